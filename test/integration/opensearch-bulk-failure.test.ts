// A report OpenSearch refuses for good (a mapping conflict on an unknown field)
// is reported in WriteResult.rejected with the server's reason, the rest of the
// batch is stored, and through the archive consumer the report is dead-lettered.
// Run:  bash scripts/services/with-services.sh npx vitest run --project integration test/integration/opensearch-bulk-failure.test.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOpenSearchStore } from "../../src/backends/store/opensearch/opensearch-store.js";
import type { ArchivedReport, Store } from "../../src/backends/store/types.js";
import { createEmbeddedStream } from "../../src/backends/stream/embedded/embedded-stream.js";
import { type Message, Topics } from "../../src/backends/stream/types.js";
import type { Report } from "../../src/domain/report.js";
import { runArchiveConsumer } from "../../src/pipeline/archive-consumer.js";
import type { DeadLetter } from "../../src/pipeline/dead-letter.js";
import { dropOpenSearchPrefix, requireServiceUrl, runTag } from "./services-env.js";

const url = requireServiceUrl("PW_TEST_OPENSEARCH_URL");
const prefix = `pwt${runTag()}-f-`;

const dropPrefix = () => dropOpenSearchPrefix(url, prefix);

function report(id: string, ts: string, extra: Record<string, unknown> = {}): Report {
  return {
    reportId: id,
    droneId: "d1",
    ts,
    location: { lat: 48.85, lon: 2.35 },
    citizens: [
      { name: "Ann", score: 1 },
      { name: "Bob", score: 6 },
    ],
    words: ["calm"],
    ...extra,
  };
}

const archive = (r: Report): ArchivedReport => ({
  report: r,
  raw: JSON.stringify(r),
  receivedAt: 0,
});

async function ids(store: Store, since: number, until: number): Promise<string[]> {
  const out: string[] = [];
  for await (const r of store.reports({ since, until })) out.push(r.reportId);
  return out;
}

describe("OpenSearch store: items refused for good", () => {
  let store: Store;
  let dataDir: string;
  beforeAll(() => {
    store = createOpenSearchStore({ url, indexPrefix: prefix });
    dataDir = mkdtempSync(join(tmpdir(), "pw-os-bulk-failure-"));
  });
  afterAll(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
    await dropPrefix();
  });

  it("returns a mapping conflict in rejected with the server's reason and stores the rest", async () => {
    const day = Date.parse("2026-06-01T00:00:00Z");
    // The first report maps extra.extra as an object in that day's index...
    expect(
      await store.writeReports([
        archive(report("a", "2026-06-01T08:00:00Z", { extra: { level: 3 } })),
      ]),
    ).toEqual({ stored: 1, duplicates: 0, rejected: [] });
    // ...so a string there is refused, while its neighbours in the batch go in.
    const result = await store.writeReports([
      archive(report("b", "2026-06-01T09:00:00Z")),
      archive(report("c", "2026-06-01T10:00:00Z", { extra: "loud" })),
      archive(report("d", "2026-06-01T11:00:00Z", { extra: { level: 5 } })),
    ]);
    expect(result.stored).toBe(2);
    expect(result.duplicates).toBe(0);
    expect(result.rejected).toEqual([
      { reportId: "c", reason: expect.stringMatching(/^mapper_parsing_exception: .*extra/) },
    ]);
    expect(await ids(store, day, day + 86_400_000)).toEqual(["a", "b", "d"]);
    // No orphan sightings of the refused report.
    expect(await store.counts()).toMatchObject({ reports: 3, sightings: 6 });

    // Sent again, it is refused again: never mistaken for a duplicate.
    const again = await store.writeReports([
      archive(report("c", "2026-06-01T10:00:00Z", { extra: "loud" })),
    ]);
    expect(again).toMatchObject({ stored: 0, duplicates: 0, rejected: [{ reportId: "c" }] });
  });

  it("through the archive consumer, the refused report lands on reports-dlq", async () => {
    const stream = createEmbeddedStream({ dataDir });
    try {
      const day = Date.parse("2026-06-02T00:00:00Z");
      expect(
        await store.writeReports([
          archive(report("e", "2026-06-02T08:00:00Z", { extra: { level: 1 } })),
        ]),
      ).toMatchObject({ stored: 1 });
      const refused = JSON.stringify(report("f", "2026-06-02T09:00:00Z", { extra: "shouting" }));
      const producer = await stream.createProducer({ topic: Topics.reports });
      await producer.sendBatch([
        { key: "d1", value: JSON.stringify(report("g", "2026-06-02T08:30:00Z")) },
        { key: "d1", value: refused },
        { key: "d1", value: JSON.stringify(report("h", "2026-06-02T10:00:00Z")) },
      ]);
      await producer.close();

      const summary = await runArchiveConsumer({ stream, store, untilIdle: true, flushMs: 100 });
      expect(summary).toMatchObject({ received: 3, stored: 2, duplicates: 0, rejected: 1 });
      expect(await ids(store, day, day + 86_400_000)).toEqual(["e", "g", "h"]);

      const reader = await stream.createReader({
        topic: Topics.reportsDeadLetter,
        start: "earliest",
      });
      const letters: Message[] = [];
      const deadline = Date.now() + 10_000;
      while (letters.length < 1 && Date.now() < deadline) {
        letters.push(...(await reader.read({ maxMessages: 10, timeoutMs: 1000 })));
      }
      await reader.close();
      expect(letters).toHaveLength(1);
      const letter = JSON.parse(letters[0]!.value) as DeadLetter;
      expect(letter.source).toBe("store");
      expect(letter.input).toBe(refused);
      expect(letter.reason).toMatch(/^store refused it: mapper_parsing_exception: .*extra/);
    } finally {
      await stream.close();
    }
  });
});
