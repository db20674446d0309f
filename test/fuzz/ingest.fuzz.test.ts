import { createReadStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  createEmbeddedStream,
  type EmbeddedStream,
} from "../../src/backends/stream/embedded/embedded-stream.js";
import type { Message } from "../../src/backends/stream/types.js";
import type { DeadLetter } from "../../src/pipeline/dead-letter.js";
import { ingest } from "../../src/pipeline/ingest.js";
import { type HostileBytes, hostileNdjsonLine, validLine } from "./hostile-inputs.js";

const dataDir = mkdtempSync(join(tmpdir(), "pw-ingest-fuzz-"));
let stream: EmbeddedStream | undefined;
afterAll(async () => {
  await stream?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

type Entry =
  | { kind: "valid"; text: string }
  | { kind: "bad"; bad: HostileBytes }
  | { kind: "blank"; text: string };

const entry = (withHuge: boolean): fc.Arbitrary<Entry> =>
  fc.oneof(
    { arbitrary: validLine.map((text): Entry => ({ kind: "valid", text })), weight: 3 },
    {
      arbitrary: hostileNdjsonLine({ withHuge }).map((bad): Entry => ({ kind: "bad", bad })),
      weight: 3,
    },
    {
      arbitrary: fc
        .constantFrom("", " ", "\t", " \t ")
        .map((text): Entry => ({ kind: "blank", text })),
      weight: 1,
    },
  );

/** A file of mixed lines, "\n" or "\r\n" ended, maybe BOM-prefixed, maybe without a last line end. */
const batch = (withHuge: boolean): fc.Arbitrary<Batch> =>
  fc.record({
    entries: fc.array(entry(withHuge), { minLength: 1, maxLength: 30 }),
    crlf: fc.boolean(),
    bom: fc.boolean(),
    finalNewline: fc.boolean(),
    // Tiny chunks split lines, CRLFs and multi-byte characters; not for 1 MiB lines.
    highWaterMark: withHuge
      ? fc.integer({ min: 4096, max: 65_536 })
      : fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 64, max: 65_536 })),
  });

async function readAll(topic: string, expected: number): Promise<Message[]> {
  const reader = await stream!.createReader({ topic, start: "earliest" });
  const out: Message[] = [];
  try {
    while (out.length < expected) {
      const got = await reader.read({ maxMessages: 1000, timeoutMs: 200 });
      if (got.length === 0) break;
      out.push(...got);
    }
    // Anything beyond `expected` would be a duplicate: look once more.
    out.push(...(await reader.read({ maxMessages: 1000, timeoutMs: 20 })));
  } finally {
    await reader.close();
  }
  return out;
}

let run = 0;
let badLines = 0;
let validLines = 0;

interface Batch {
  entries: Entry[];
  crlf: boolean;
  bom: boolean;
  finalNewline: boolean;
  highWaterMark: number;
}

async function ingestBatch(b: Batch): Promise<void> {
  run++;
  stream ??= createEmbeddedStream({ dataDir });
  const eol = b.crlf ? "\r\n" : "\n";
  // A BOM opens the file (and is dropped) only at the very start: when the first line is
  // itself a BOM-led bad line, the file BOM is forced so that line stays bad.
  const first = b.entries[0];
  const forceBom = first?.kind === "bad" && first.bad.category === "bom";
  const parts: Buffer[] = [];
  if (b.bom || forceBom) parts.push(Buffer.from("\uFEFF"));
  b.entries.forEach((e, i) => {
    parts.push(e.kind === "bad" ? e.bad.bytes : Buffer.from(e.text, "utf8"));
    if (i < b.entries.length - 1 || b.finalNewline) parts.push(Buffer.from(eol));
  });
  const path = join(dataDir, `batch-${run}.ndjson`);
  writeFileSync(path, Buffer.concat(parts));

  const reportsTopic = `reports-${run}`;
  const deadTopic = `dlq-${run}`;
  const reports = await stream.createProducer({ topic: reportsTopic });
  const deadLetters = await stream.createProducer({ topic: deadTopic });
  const summary = await ingest(
    [{ name: path, stream: createReadStream(path, { highWaterMark: b.highWaterMark }) }],
    { reports, deadLetters, format: "ndjson" },
  );
  await reports.close();
  await deadLetters.close();

  const valid = b.entries.flatMap((e, i) =>
    e.kind === "valid" ? [{ line: i + 1, text: e.text }] : [],
  );
  const bad = b.entries.flatMap((e, i) => (e.kind === "bad" ? [{ line: i + 1, e: e.bad }] : []));
  // An empty last entry with no line end after it is no line at all.
  const last = b.entries[b.entries.length - 1];
  const phantom = !b.finalNewline && last?.kind === "blank" && last.text === "" ? 1 : 0;
  const blank = b.entries.filter((e) => e.kind === "blank").length - phantom;
  validLines += valid.length;
  badLines += bad.length;

  expect(summary).toMatchObject({
    records: valid.length + bad.length,
    accepted: valid.length,
    deadLettered: bad.length,
    blankLines: blank,
  });
  // Every valid line published exactly once, in order, byte for byte.
  const published = await readAll(reportsTopic, valid.length);
  expect(published.map((m) => m.value)).toEqual(valid.map((v) => v.text));
  // Every bad line dead-lettered once, in order, with its line number and a reason.
  const dead = (await readAll(deadTopic, bad.length)).map((m) => JSON.parse(m.value) as DeadLetter);
  expect(dead.map((d) => d.line)).toEqual(bad.map((b) => b.line));
  for (const [i, letter] of dead.entries()) {
    const category = bad[i]?.e.category;
    expect(letter.source, category).toBe(path);
    expect(letter.reason.trim(), category).not.toBe("");
    expect(letter.problems.length, category).toBeGreaterThan(0);
    if (category === "invalid-utf8") expect(letter.reason).toMatch(/invalid UTF-8 at byte/);
  }
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

describe("file ingest under hostile NDJSON", () => {
  afterAll(() => {
    // biome-ignore lint/suspicious/noConsole: the count of generated inputs is this test's report
    console.info(
      `ingest fuzz: ${run} files, ${badLines} bad lines all dead-lettered with their line number, ${validLines} valid neighbours all published once in order`,
    );
  });

  it("publishes every valid line once in order and dead-letters every bad one with its line number", async () => {
    await fc.assert(fc.asyncProperty(batch(false), ingestBatch), { numRuns: 200 });
  }, 180_000);

  it("does the same when lines around MAX_REPORT_BYTES are mixed in", async () => {
    await fc.assert(fc.asyncProperty(batch(true), ingestBatch), { numRuns: 20 });
  }, 180_000);
});
