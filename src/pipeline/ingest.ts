import type { Readable } from "node:stream";
import { parse as parseCsv } from "csv-parse";
import type { OutgoingMessage, Producer } from "../backends/stream/types.js";
import {
  csvRecordToCandidate,
  REPORT_CSV_COLUMNS,
  type ReportCsvRecord,
} from "../domain/csv-report.js";
import { type FieldProblem, UsageError } from "../domain/errors.js";
import {
  checkReport,
  decodeReportBytes,
  MAX_REPORT_BYTES,
  parseReportLine,
  reportTimeMs,
  TOO_LARGE_PROBLEM,
} from "../domain/report.js";
import { Batcher } from "./batcher.js";
import { deadLetterMessage } from "./dead-letter.js";
import { readLines } from "./ndjson-lines.js";
import { publishBatch } from "./publish-batch.js";
import { reportMessage } from "./report-message.js";
import type { RetryOptions } from "./retry.js";

export type IngestFormat = "ndjson" | "csv";

export interface IngestInput {
  /** Shown in dead letters and progress: a path, or "stdin". */
  name: string;
  stream: Readable;
  sizeBytes?: number;
}

export interface IngestProgress {
  source: string;
  bytesRead: number;
  sizeBytes: number | undefined;
  accepted: number;
  deadLettered: number;
}

export interface IngestSummary {
  sources: string[];
  /** Records read (blank lines excluded). */
  records: number;
  accepted: number;
  deadLettered: number;
  blankLines: number;
  elapsedMs: number;
  perSecond: number;
}

export interface IngestOptions {
  reports: Producer;
  deadLetters: Producer;
  format: IngestFormat;
  now?: () => number;
  onProgress?: ((progress: IngestProgress) => void) | undefined;
  /** Reports per stream transaction, and how long a partial batch may wait. */
  batchSize?: number;
  lingerMs?: number;
  /**
   * How long a batch the stream failed to acknowledge (a broker restarting) is
   * sent again before ingest gives up naming its lines; default 2 minutes.
   */
  retryForMs?: number;
  /** Told each time a batch is sent again. */
  onRetry?: RetryOptions["onRetry"];
}

const DEFAULT_RETRY_FOR_MS = 120_000;

/** One record of input, good or bad, with where it came from. */
type Parsed =
  | { ok: true; line: number; message: OutgoingMessage }
  | { ok: false; line: number; input: string; problems: FieldProblem[] };

/**
 * Reads reports from each input line by line (never the whole input in memory),
 * publishes the valid ones to the reports topic keyed by droneId, and sends every
 * invalid one to the dead-letter topic with its source, line number and reason.
 * A bad record never costs a good one.
 */
export async function ingest(
  inputs: readonly IngestInput[],
  options: IngestOptions,
): Promise<IngestSummary> {
  const now = options.now ?? Date.now;
  const started = now();
  const summary: IngestSummary = {
    sources: inputs.map((i) => i.name),
    records: 0,
    accepted: 0,
    deadLettered: 0,
    blankLines: 0,
    elapsedMs: 0,
    perSecond: 0,
  };
  const retry: RetryOptions = {
    giveUpAfterMs: options.retryForMs ?? DEFAULT_RETRY_FOR_MS,
    onRetry: options.onRetry,
  };
  // One queue for good and bad records, flushed in input order, so that when a
  // batch fails every line before it was published or dead-lettered (as the
  // error says) and ingesting again from the line it names loses nothing.
  const queue = new Batcher<{ source: string; parsed: Parsed }>(
    async (batch) => {
      const origins = batch.map(({ source, parsed }) => ({ source, line: parsed.line }));
      const bad = batch.flatMap(({ source, parsed }) => (parsed.ok ? [] : [{ source, parsed }]));
      const good = batch.flatMap(({ parsed }) => (parsed.ok ? [parsed.message] : []));
      // Reports before dead letters: if the dead letters then fail, ingesting the
      // batch again repeats reports (stored once downstream), not dead letters.
      if (good.length > 0) {
        await publishBatch(options.reports, good, origins, "report", retry);
        summary.accepted += good.length;
      }
      if (bad.length > 0) {
        await publishBatch(
          options.deadLetters,
          bad.map(({ source, parsed }) =>
            deadLetterMessage(source, parsed.line, parsed.problems, parsed.input, now()),
          ),
          origins,
          "dead letter",
          retry,
        );
        summary.deadLettered += bad.length;
      }
    },
    options.batchSize ?? 1000,
    options.lingerMs ?? 5,
  );

  for (const input of inputs) {
    const progress: IngestProgress = {
      source: input.name,
      bytesRead: 0,
      sizeBytes: input.sizeBytes,
      accepted: 0,
      deadLettered: 0,
    };
    let lastReport = 0;
    const records =
      options.format === "csv" ? readCsv(input, progress) : readNdjson(input, progress, summary);
    for await (const parsed of records) {
      summary.records++;
      await queue.add({ source: input.name, parsed });
      if (options.onProgress && now() - lastReport >= 100) {
        lastReport = now();
        options.onProgress({
          ...progress,
          accepted: summary.accepted,
          deadLettered: summary.deadLettered,
        });
      }
    }
  }
  await queue.close();
  summary.elapsedMs = now() - started;
  summary.perSecond =
    summary.elapsedMs > 0 ? Math.round((summary.accepted * 1000) / summary.elapsedMs) : 0;
  return summary;
}

async function* readNdjson(
  input: IngestInput,
  progress: IngestProgress,
  summary: IngestSummary,
): AsyncGenerator<Parsed> {
  // Lines are split as bytes, not by readline: readline patched invalid UTF-8 with
  // U+FFFD (accepting altered reports), ended lines at a lone "\r" (shifting every later
  // line number) and held a line of any length in memory.
  for await (const raw of readLines(input.stream, MAX_REPORT_BYTES)) {
    const line = raw.number;
    progress.bytesRead += raw.size;
    // A longer line arrives cut to MAX_REPORT_BYTES + 1 bytes, which this refuses as too large.
    const decoded = decodeReportBytes(raw.bytes);
    if (!decoded.ok) {
      yield { ok: false, line, input: raw.bytes.toString("utf8"), problems: decoded.problems };
      continue;
    }
    const text = decoded.text;
    if (text.trim() === "") {
      summary.blankLines++;
      continue;
    }
    const check = parseReportLine(text);
    yield check.ok
      ? { ok: true, line, message: reportMessage(check.report, text, reportTimeMs(check.report)) }
      : { ok: false, line, input: text, problems: check.problems };
  }
}

async function* readCsv(input: IngestInput, progress: IngestProgress): AsyncGenerator<Parsed> {
  const skipped: Parsed[] = [];
  const parser = input.stream.pipe(
    parseCsv({
      columns: (header: string[]) => {
        const missing = REPORT_CSV_COLUMNS.filter((c) => !header.includes(c));
        if (missing.length > 0) {
          throw new UsageError(
            `${input.name}: the CSV header lacks column(s) ${missing.join(", ")} (expected ${REPORT_CSV_COLUMNS.join(",")})`,
          );
        }
        return header;
      },
      bom: true,
      info: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      max_record_size: MAX_REPORT_BYTES,
    }),
  );
  // Malformed records (bad quoting, wrong column count) are skipped by the parser: dead-letter them.
  parser.on("skip", (error: Error & { lines?: number; record?: unknown }) => {
    skipped.push({
      ok: false,
      line: error.lines ?? 0,
      input: error.record === undefined ? "" : JSON.stringify(error.record),
      problems: [{ path: "", message: `malformed CSV: ${error.message}` }],
    });
  });
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: ReportCsvRecord;
      info: { lines: number; bytes: number };
    }>) {
      while (skipped.length > 0) yield skipped.shift()!;
      progress.bytesRead = info.bytes;
      const candidate = csvRecordToCandidate(record);
      const check = checkReport(candidate);
      const input = JSON.stringify(candidate);
      if (!check.ok) {
        yield { ok: false, line: info.lines, input, problems: check.problems };
      } else if (Buffer.byteLength(input, "utf8") > MAX_REPORT_BYTES) {
        yield {
          ok: false,
          line: info.lines,
          input,
          problems: [TOO_LARGE_PROBLEM],
        };
      } else {
        const { report } = check;
        yield {
          ok: true,
          line: info.lines,
          message: reportMessage(report, input, reportTimeMs(report)),
        };
      }
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof UsageError) throw cause;
    throw new UsageError(`${input.name}: cannot read CSV: ${(error as Error).message}`, error);
  }
  while (skipped.length > 0) yield skipped.shift()!;
}
