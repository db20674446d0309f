// The store contract against a real OpenSearch, plus what only OpenSearch has:
// index layout, configuration, the DSL escape hatch and paging past 10 000 hits.
// Run:  bash scripts/services/with-services.sh npx vitest run --project integration test/integration/opensearch-store.test.ts
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOpenSearchStore } from "../../src/backends/store/opensearch/opensearch-store.js";
import type { ArchivedReport, Store } from "../../src/backends/store/types.js";
import { UsageError } from "../../src/domain/errors.js";
import type { Report } from "../../src/domain/report.js";
import { describeStoreContract } from "../contract/store-contract.js";
import { dropOpenSearchPrefix, requireServiceUrl, runTag } from "./services-env.js";

const url = requireServiceUrl("PW_TEST_OPENSEARCH_URL");
const tag = runTag();
const contractPrefix = `pwt${tag}-c-`;
const extraPrefix = `pwt${tag}-x-`;

const dropPrefix = (prefix: string) => dropOpenSearchPrefix(url, prefix);

afterAll(async () => {
  await dropPrefix(contractPrefix);
  await dropPrefix(extraPrefix);
});

describeStoreContract("OpenSearch", async () =>
  createOpenSearchStore({ url, indexPrefix: contractPrefix }),
);

const T0 = Date.parse("2026-05-01T23:00:00Z");

function report(i: number, extra: Record<string, unknown> = {}): Report {
  return {
    reportId: `r-${String(i).padStart(6, "0")}`,
    droneId: `d${i % 3}`,
    ts: new Date(T0 + i * 1000).toISOString(),
    location: { lat: 48.85, lon: 2.35 },
    citizens: [{ name: `c${i % 7}`, score: (i % 10) + 0.5 }],
    words: ["calm"],
    ...extra,
  };
}

const archive = (r: Report): ArchivedReport => ({
  report: r,
  raw: JSON.stringify(r),
  receivedAt: T0,
});

describe("OpenSearch store specifics", () => {
  let store: Store;
  beforeAll(async () => {
    store = createOpenSearchStore({
      url,
      indexPrefix: extraPrefix,
      // Small pages and requests, so paging and chunking are exercised on little data.
      reportsPageSize: 700,
      bulk: { maxOperations: 1500 },
    });
  });
  afterAll(async () => {
    await store.close();
  });

  it("says where it is without credentials and validates settings up front", async () => {
    const withSecret = createOpenSearchStore({ url: "https://admin:s3cret@search.invalid:9200" });
    expect(withSecret.description).toBe("OpenSearch at https://search.invalid:9200 (indices pw-*)");
    await withSecret.close();
    expect(() => createOpenSearchStore({ url, indexPrefix: "Bad*" })).toThrow(UsageError);
    expect(() => createOpenSearchStore({ url, token: "t", username: "u", password: "p" })).toThrow(
      UsageError,
    );
  });

  it("streams more than 10 000 reports across days in order, and pages by filter and limit", async () => {
    const total = 12_345;
    const batch = Array.from({ length: total }, (_, i) => archive(report(i)));
    expect(await store.writeReports(batch)).toEqual({ stored: total, duplicates: 0, rejected: [] });

    const ids: string[] = [];
    for await (const r of store.reports({})) ids.push(r.reportId);
    expect(ids.length).toBe(total);
    expect(ids).toEqual(batch.map((a) => a.report.reportId));

    const d1: string[] = [];
    for await (const r of store.reports({ drone: "d1", limit: 1000 })) d1.push(r.reportId);
    expect(d1).toEqual(
      batch
        .map((a) => a.report)
        .filter((r) => r.droneId === "d1")
        .slice(0, 1000)
        .map((r) => r.reportId),
    );
    // Reports from 23:00 on May 1st run into May 2nd: two daily indices.
    const res = await fetch(`${url}/_cat/indices/${extraPrefix}reports-*?h=index&s=index`);
    expect((await res.text()).trim().split("\n")).toEqual([
      `${extraPrefix}reports-2026.05.01`,
      `${extraPrefix}reports-2026.05.02`,
    ]);
    expect(await store.counts()).toMatchObject({ reports: total, sightings: total });
  });

  it("runs DSL searches read-only, as hits or as flattened buckets", async () => {
    expect(store.rawQueryLanguage).toBe("dsl");
    const hits = await store.rawQuery(
      JSON.stringify({ size: 2, sort: [{ ts: "asc" }], query: { term: { droneId: "d0" } } }),
    );
    expect(hits.rows.map((r) => r._id)).toEqual(["r-000000", "r-000003"]);
    expect(hits.columns).toContain("citizens");
    expect(hits.columns).not.toContain("raw");

    const buckets = await store.rawQuery(
      JSON.stringify({
        index: "sightings",
        size: 0,
        aggs: {
          drone: {
            terms: { field: "droneId", order: { _key: "asc" } },
            aggs: { low: { min: { field: "score" } } },
          },
        },
      }),
    );
    expect(buckets.columns).toEqual(["drone", "doc_count", "low"]);
    expect(buckets.rows).toEqual([
      { drone: "d0", doc_count: 4115, low: 0.5 },
      { drone: "d1", doc_count: 4115, low: 0.5 },
      { drone: "d2", doc_count: 4115, low: 0.5 },
    ]);

    await expect(store.rawQuery("{not json")).rejects.toThrow(UsageError);
    await expect(store.rawQuery(JSON.stringify({ query: { no_such_query: {} } }))).rejects.toThrow(
      UsageError,
    );
  });

  it("keeps unknown report fields searchable under extra.*", async () => {
    const r = report(99_999, { mood: "tense", crowd: { size: 12 } });
    expect(await store.writeReports([archive(r)])).toMatchObject({ stored: 1 });
    const found = await store.rawQuery(
      JSON.stringify({
        query: {
          bool: {
            filter: [
              { term: { "extra.mood": "tense" } },
              { range: { "extra.crowd.size": { gte: 10 } } },
            ],
          },
        },
      }),
    );
    expect(found.rows.map((row) => row._id)).toEqual([r.reportId]);
    const back: Report[] = [];
    for await (const x of store.reports({ since: Date.parse(r.ts) })) back.push(x);
    expect(back).toEqual([r]);
  });
});
