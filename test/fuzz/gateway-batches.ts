/**
 * NDJSON request bodies for the gateway fuzz test: hostile lines (hostile-inputs.ts) among
 * valid neighbours of the token's drone, with what the answer and the stream must then
 * hold. Pure and seeded: a chunk is rebuilt from its seed to replay a failure.
 */
import { createHash } from "node:crypto";
import fc from "fast-check";
import type { Report } from "../../src/domain/report.js";
import { type HostileBytes, hostileNdjsonLine, validReport } from "./hostile-inputs.js";

/** What a dead letter keeps of its input (dead-letter.ts). */
const MAX_KEPT_INPUT = 64 * 1024;

export const sha = (text: string) => createHash("sha256").update(text).digest("base64");

/** The key a dead letter of `bytes` at `line` is expected under: source, line, input hash. */
export function deadLetterKey(drone: string, line: number, bytes: Buffer): string {
  // The gateway keeps the input as decoded text (lossily, when it was not UTF-8), cut.
  const input = bytes.toString("utf8");
  return `http:${drone}\n${line}\n${sha(input.length > MAX_KEPT_INPUT ? input.slice(0, MAX_KEPT_INPUT) : input)}`;
}

/** A bad line as sent: where it is, what kind, and the field it must be refused for. */
export interface SentBad {
  line: number;
  category: string;
  path?: string;
}

/** One NDJSON request, built: its body, how to send it, and what must come of it. */
export interface BuiltBatch {
  context: string;
  drone: string;
  body: Buffer;
  contentType: string | undefined;
  /** Sent chunked, cut at these offsets; else with a Content-Length. */
  pieces: number[] | undefined;
  valid: number;
  bad: SentBad[];
  /** True when every bad line is a valid report of another drone (a 403 when alone). */
  refusedOnly: boolean;
  /** Valid neighbours as [reportId, sha of the line]: each must be published once, as is. */
  reports: [string, string][];
  /** deadLetterKey of every bad line. */
  dead: string[];
}

export interface BuiltChunk {
  batches: BuiltBatch[];
  /** Bad lines in them, at most the budget asked for. */
  badLines: number;
}

type Entry =
  | { kind: "valid"; report: Report }
  | { kind: "bad"; bad: HostileBytes }
  | { kind: "refused"; report: Report; droneId: string }
  | { kind: "blank"; text: string };

interface Batch {
  drone: number;
  entries: Entry[];
  crlf: boolean;
  bom: boolean;
  finalNewline: boolean;
  contentType: string | undefined;
  cuts: number[] | undefined;
}

function batchArbitrary(drones: readonly string[], others: readonly string[]): fc.Arbitrary<Batch> {
  const entry: fc.Arbitrary<Entry> = fc.oneof(
    {
      weight: 8,
      arbitrary: hostileNdjsonLine({ withHuge: false }).map((bad): Entry => ({ kind: "bad", bad })),
    },
    { weight: 3, arbitrary: validReport.map((report): Entry => ({ kind: "valid", report })) },
    {
      // A valid report naming another drone: another registered one, a revoked one, anyone.
      weight: 1,
      arbitrary: fc
        .tuple(
          validReport,
          fc.oneof(
            fc.constantFrom(...drones, ...others),
            fc.string({ unit: "binary", minLength: 1, maxLength: 64 }),
          ),
        )
        .map(([report, droneId]): Entry => ({ kind: "refused", report, droneId })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom("", " ", "\t", " \t ")
        .map((text): Entry => ({ kind: "blank", text })),
    },
  );
  return fc.record({
    drone: fc.nat({ max: drones.length - 1 }),
    entries: fc.array(entry, { minLength: 60, maxLength: 100 }),
    crlf: fc.boolean(),
    bom: fc.boolean(),
    finalNewline: fc.boolean(),
    // Never application/json: that is one report per body, fuzzed on its own.
    contentType: fc.constantFrom(
      undefined,
      "application/x-ndjson",
      "application/jsonl",
      "text/plain; charset=utf-8",
    ),
    cuts: fc.option(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 3 }), {
      nil: undefined,
    }),
  });
}

const isBad = (e: Entry) => e.kind === "bad" || e.kind === "refused";

/**
 * `count` batches from `seed`, holding at most `budget` bad lines in all. Valid
 * neighbours get reportIds unique to the seed, batch and line.
 */
export function buildChunk(options: {
  seed: number;
  count: number;
  budget: number;
  drones: readonly string[];
  others: readonly string[];
}): BuiltChunk {
  const { seed, drones } = options;
  let budget = options.budget;
  const batches: BuiltBatch[] = [];
  const samples = fc.sample(batchArbitrary(drones, options.others), {
    numRuns: options.count,
    seed,
  });
  for (const [index, sample] of samples.entries()) {
    if (budget <= 0) break;
    const built = buildBatch(sample, budget, drones, `ndjson seed ${seed} batch ${index}`);
    budget -= built.bad.length;
    batches.push(built);
  }
  return { batches, badLines: options.budget - budget };
}

function buildBatch(
  batch: Batch,
  budget: number,
  drones: readonly string[],
  context: string,
): BuiltBatch {
  const drone = drones[batch.drone] as string;
  let entries = batch.entries;
  if (entries.filter(isBad).length > budget) {
    let kept = 0;
    entries = entries.filter((e) => !isBad(e) || kept++ < budget);
  }
  const eol = batch.crlf ? "\r\n" : "\n";
  // A body BOM is dropped: when the first line is itself a BOM-led bad line, one is
  // added, so that line stays bad.
  const first = entries[0];
  const forceBom = first?.kind === "bad" && first.bad.category === "bom";
  const parts: Buffer[] = [];
  if (batch.bom || forceBom) parts.push(Buffer.from("\uFEFF"));
  const built: BuiltBatch = {
    context,
    drone,
    body: Buffer.alloc(0),
    contentType: batch.contentType,
    pieces: undefined,
    valid: 0,
    bad: [],
    refusedOnly: true,
    reports: [],
    dead: [],
  };
  for (const [i, e] of entries.entries()) {
    const line = i + 1;
    let bytes: Buffer;
    if (e.kind === "valid") {
      const reportId = `${context.replace(/\D+/g, ".")}.${line}~${[...e.report.reportId].slice(0, 100).join("")}`;
      const text = JSON.stringify({ ...e.report, reportId, droneId: drone });
      bytes = Buffer.from(text);
      built.valid++;
      built.reports.push([reportId, sha(text)]);
    } else if (e.kind === "bad") {
      bytes = e.bad.bytes;
      built.bad.push({ line, category: e.bad.category, ...(e.bad.path && { path: e.bad.path }) });
      built.refusedOnly = false;
    } else if (e.kind === "refused") {
      const other = e.droneId === drone ? `${drone}-other` : e.droneId;
      bytes = Buffer.from(JSON.stringify({ ...e.report, droneId: other }));
      built.bad.push({ line, category: "wrong-drone", path: "droneId" });
    } else {
      bytes = Buffer.from(e.text);
    }
    if (isBad(e)) built.dead.push(deadLetterKey(drone, line, bytes));
    parts.push(bytes);
    if (i < entries.length - 1 || batch.finalNewline) parts.push(Buffer.from(eol));
  }
  const body = Buffer.concat(parts);
  built.body = body;
  built.pieces = batch.cuts?.map((f) => Math.floor(f * body.length));
  return built;
}
