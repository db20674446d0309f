import { BackendError } from "../../../domain/errors.js";
import type { ArchivedReport, RejectedReport, WriteResult } from "../types.js";
import { type BulkItemResult, type BulkOperation, serializeOperation } from "./bulk-body.js";
import type { BulkWriter } from "./bulk-writer.js";
import type { BulkTuning } from "./config.js";
import {
  type ReportDocument,
  reportDocument,
  type SightingSource,
  sightingId,
  sightingJsons,
} from "./documents.js";
import { describeServerError, type OpenSearchHttp } from "./http.js";
import type { IndexLayout } from "./index-layout.js";

/** The report fields sightings are made of, read back from a report already stored. */
const SIGHTING_SOURCE_FIELDS = ["reportId", "droneId", "ts", "location", "geohash", "citizens"];

interface Pending {
  doc: ReportDocument;
  index: string;
  sightingsIndex: string;
  /** Position of its report operation in the chunk; its sightings follow it. */
  at: number;
}

interface Chunk {
  reports: Pending[];
  lines: string[];
}

interface ChunkResult {
  stored: number;
  duplicates: number;
  rejected: RejectedReport[];
}

const isWritten = (answer: BulkItemResult) => answer.status === 200 || answer.status === 201;

/**
 * Archives reports: per report a report document (`create`, so a report already
 * stored answers 409 and counts as a duplicate) and, in the same request, one
 * sighting document per citizen (`index`, so writing them again is harmless).
 * One request holds both, like a plain `_bulk` of the same documents would, so
 * the archive runs at nearly the node's raw bulk speed.
 *
 * The sightings are then made to agree with the report as stored, whatever
 * happened: a refused report's sightings are deleted; a report whose sighting
 * is refused is taken out again (report and sightings) and refused as a whole;
 * a duplicate whose stored version has other citizens (another report reusing
 * the id) gets its sightings rebuilt from the stored document, read with a
 * realtime `_mget`. A crash before that repair leaves the batch unacked, and its
 * redelivery repairs the same way.
 *
 * Duplicates are detected per daily index: a report id is unique within the UTC
 * day of its event time. A redelivery carries the same event time, so it is
 * always caught; two reports with the same id on different days are two documents.
 *
 * A retry of a request whose outcome was unknown (a timeout) may find its own
 * report already stored: that report then counts as a duplicate. Only the
 * counts can be off that way; what is stored is right either way.
 */
export class ReportWriter {
  constructor(
    private readonly layout: IndexLayout,
    private readonly http: Pick<OpenSearchHttp, "request">,
    private readonly bulk: Pick<BulkWriter, "write">,
    private readonly tuning: BulkTuning,
  ) {}

  async write(batch: readonly ArchivedReport[]): Promise<WriteResult> {
    const rejected: RejectedReport[] = [];
    const seen = new Set<string>();
    // Chunks of about one request each. A chunk is sent as soon as it is built
    // and the next one is built while it is in flight, so the node is not idle
    // while this process serialises; the store's request slots bound how many
    // are in flight.
    const running: Promise<PromiseSettledResult<ChunkResult>>[] = [];
    let chunk: Chunk = { reports: [], lines: [] };
    let size = 0;
    const send = async () => {
      const ready = chunk;
      chunk = { reports: [], lines: [] };
      size = 0;
      // Settled at once, so a chunk failing while others are being built is not
      // an unhandled rejection; it is thrown below, once all have settled.
      running.push(
        this.writeChunk(ready).then(
          (value) => ({ status: "fulfilled", value }),
          (reason: unknown) => ({ status: "rejected", reason }),
        ),
      );
      // Let the request leave before building the next chunk.
      await new Promise((resolve) => setImmediate(resolve));
    };
    for (const archived of batch) {
      const id = archived.report.reportId;
      if (seen.has(id)) continue; // the first occurrence in a batch wins, like a redelivery
      seen.add(id);
      const tsMs = Date.parse(archived.report.ts);
      if (!Number.isFinite(tsMs)) {
        rejected.push({
          reportId: id,
          reason: `ts "${archived.report.ts}" is not a valid instant`,
        });
        continue;
      }
      const report: Pending = {
        doc: reportDocument(archived, tsMs),
        index: this.layout.reportsIndex(tsMs),
        sightingsIndex: this.layout.sightingsIndex(tsMs),
        at: 0,
      };
      const lines = [
        serializeOperation(createReport(report)),
        ...sightingOperations(report, report.doc).map(serializeOperation),
      ];
      // UTF-16 units stand for UTF-8 bytes, as in planRequests.
      const added = lines.reduce((n, line) => n + line.length, 0);
      const full =
        size + added > this.tuning.maxBytes ||
        chunk.lines.length + lines.length > this.tuning.maxOperations;
      if (chunk.lines.length > 0 && full) await send();
      report.at = chunk.lines.length;
      chunk.reports.push(report);
      chunk.lines.push(...lines);
      size += added;
    }
    if (chunk.lines.length > 0) await send();

    // Every chunk settles before this returns or throws: nothing is left in flight.
    const settled = await Promise.all(running);
    const failure = settled.find((s) => s.status === "rejected");
    if (failure) throw failure.reason;

    const result: WriteResult = { stored: 0, duplicates: batch.length - seen.size, rejected };
    for (const s of settled) {
      if (s.status !== "fulfilled") continue;
      result.stored += s.value.stored;
      result.duplicates += s.value.duplicates;
      rejected.push(...s.value.rejected);
    }
    return result;
  }

  private async writeChunk({ reports, lines }: Chunk): Promise<ChunkResult> {
    const answers = await this.bulk.write(lines, "writing reports");
    const result: ChunkResult = { stored: 0, duplicates: 0, rejected: [] };
    const repairs: BulkOperation[] = [];
    const duplicates: { report: Pending; sightingsWritten: boolean }[] = [];
    for (const report of reports) {
      const answer = answers[report.at]!;
      const sightings = answers.slice(report.at + 1, report.at + 1 + report.doc.citizens.length);
      const refusedSighting = sightings.find((a) => !isWritten(a));
      if (refusedSighting && refusedSighting.status !== 400) {
        throw itemFailure(report.doc.reportId, refusedSighting, "storing a sighting of report");
      }
      if (isWritten(answer)) {
        if (!refusedSighting) {
          result.stored++;
          continue;
        }
        // Not stored whole, so not stored: take it out and refuse it.
        repairs.push(...removal(report));
        result.rejected.push({
          reportId: report.doc.reportId,
          reason: `a sighting was refused: ${describeServerError(refusedSighting.error)}`,
        });
      } else if (answer.status === 409) {
        result.duplicates++;
        duplicates.push({ report, sightingsWritten: !refusedSighting });
      } else if (answer.status === 400) {
        // The document itself is at fault (mapping conflict, too many fields...).
        repairs.push(...removal(report).slice(1));
        result.rejected.push({
          reportId: report.doc.reportId,
          reason: describeServerError(answer.error),
        });
      } else {
        throw itemFailure(report.doc.reportId, answer, "storing report");
      }
    }
    repairs.push(...(await this.duplicateRepairs(duplicates)));
    if (repairs.length > 0) await this.apply(repairs);
    return result;
  }

  /**
   * Sightings of duplicates made to match the report as stored. A redelivery has
   * the same citizens, so its sightings are already right and nothing is sent.
   */
  private async duplicateRepairs(
    duplicates: readonly { report: Pending; sightingsWritten: boolean }[],
  ): Promise<BulkOperation[]> {
    if (duplicates.length === 0) return [];
    const stored = await this.storedSources(duplicates.map((d) => d.report));
    const repairs: BulkOperation[] = [];
    for (const { report, sightingsWritten } of duplicates) {
      const source = stored.get(report.doc.reportId);
      if (!source) continue; // deleted meanwhile: nothing to agree with
      if (sightingsWritten && sameCitizens(source.citizens, report.doc.citizens)) continue;
      repairs.push(...sightingOperations(report, source));
      for (let k = source.citizens.length; k < report.doc.citizens.length; k++) {
        repairs.push({
          action: "delete",
          index: report.sightingsIndex,
          id: sightingId(report.doc.reportId, k),
        });
      }
    }
    return repairs;
  }

  /** The stored version of reports that already existed. */
  private async storedSources(reports: readonly Pending[]): Promise<Map<string, SightingSource>> {
    const response = await this.http.request<{
      docs: { _id: string; found?: boolean; _source?: SightingSource }[];
    }>(
      {
        method: "POST",
        path: "/_mget",
        body: {
          docs: reports.map((p) => ({
            _index: p.index,
            _id: p.doc.reportId,
            _source: SIGHTING_SOURCE_FIELDS,
          })),
        },
      },
      "reading reports already stored",
    );
    const sources = new Map<string, SightingSource>();
    for (const doc of response.body.docs) {
      if (doc.found && doc._source) sources.set(doc._id, doc._source);
    }
    return sources;
  }

  private async apply(operations: readonly BulkOperation[]): Promise<void> {
    const answers = await this.bulk.write(
      operations.map(serializeOperation),
      "making sightings agree with their reports",
    );
    answers.forEach((answer, i) => {
      // A delete of what was never written answers 404: that is fine.
      if (isWritten(answer) || (answer.status === 404 && operations[i]!.action === "delete"))
        return;
      throw itemFailure(operations[i]!.id, answer, "repairing");
    });
  }
}

function createReport(p: Pending): BulkOperation {
  return { action: "create", index: p.index, id: p.doc.reportId, source: p.doc };
}

function sightingOperations(report: Pending, source: SightingSource): BulkOperation[] {
  return sightingJsons(source).map((json, k) => ({
    action: "index",
    index: report.sightingsIndex,
    id: sightingId(report.doc.reportId, k),
    sourceJson: json,
  }));
}

/** Deletes of a report and of every sighting this write may have made for it. */
function removal(report: Pending): BulkOperation[] {
  const { reportId, citizens } = report.doc;
  return [
    { action: "delete", index: report.index, id: reportId },
    ...citizens.map(
      (_, k): BulkOperation => ({
        action: "delete",
        index: report.sightingsIndex,
        id: sightingId(reportId, k),
      }),
    ),
  ];
}

function sameCitizens(
  a: readonly { name: string; score: number }[],
  b: readonly { name: string; score: number }[],
): boolean {
  return (
    a.length === b.length && a.every((c, i) => c.name === b[i]!.name && c.score === b[i]!.score)
  );
}

/** A failure that is neither the report's fault nor transient: a cluster or permission problem. */
function itemFailure(id: string, answer: BulkItemResult, what: string): BackendError {
  return new BackendError(
    `OpenSearch failed ${what} ${id} (HTTP ${answer.status}): ${describeServerError(answer.error)}`,
  );
}
