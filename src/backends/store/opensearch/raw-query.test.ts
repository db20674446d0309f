import { describe, expect, it } from "vitest";
import { UsageError } from "../../../domain/errors.js";
import { flattenAggregations, parseDslQuery, searchAnswerRows } from "./raw-query.js";

describe("DSL queries", () => {
  it("parses a search body and pw's optional index key", () => {
    expect(parseDslQuery('{"size":1}')).toEqual({ target: "reports", body: { size: 1 } });
    expect(parseDslQuery('{"index":"sightings","size":0}')).toEqual({
      target: "sightings",
      body: { size: 0 },
    });
    expect(() => parseDslQuery("{")).toThrow(UsageError);
    expect(() => parseDslQuery("[1]")).toThrow(/JSON object/);
    expect(() => parseDslQuery('{"index":"pw-*"}')).toThrow(/reports, sightings, alerts/);
  });

  it("turns hits into rows of _id and source fields", () => {
    expect(
      searchAnswerRows({
        hits: {
          hits: [
            { _id: "a", _source: { droneId: "d1" } },
            { _id: "b", _source: { ts: 5 } },
          ],
        },
      }),
    ).toEqual({
      columns: ["_id", "droneId", "ts"],
      rows: [
        { _id: "a", droneId: "d1" },
        { _id: "b", ts: 5 },
      ],
    });
  });

  it("flattens nested buckets into one row per innermost bucket", () => {
    const aggregations = {
      total: { value: 10 },
      drone: {
        buckets: [
          {
            key: "d1",
            doc_count: 6,
            day: {
              buckets: [
                {
                  key: 0,
                  key_as_string: "1970-01-01T00:00:00.000Z",
                  doc_count: 4,
                  low: { value: 1 },
                },
                {
                  key: 86400000,
                  key_as_string: "1970-01-02T00:00:00.000Z",
                  doc_count: 2,
                  low: { value: 3 },
                },
              ],
            },
          },
          { key: "d2", doc_count: 4, day: { buckets: [] } },
        ],
      },
    };
    const result = searchAnswerRows({ hits: { hits: [{ _id: "ignored" }] }, aggregations });
    expect(result.rows).toEqual([
      { total: 10, drone: "d1", doc_count: 4, day: "1970-01-01T00:00:00.000Z", low: 1 },
      { total: 10, drone: "d1", doc_count: 2, day: "1970-01-02T00:00:00.000Z", low: 3 },
    ]);
    expect(result.columns).toEqual(["total", "drone", "doc_count", "day", "low"]);
  });

  it("flattens metrics, stats, percentiles, single-bucket, keyed and composite aggregations", () => {
    expect(
      flattenAggregations({
        s: { count: 2, min: 1, max: 3, avg: 2, sum: 4 },
        p: { values: { "50.0": 2 } },
        low: { doc_count: 1, m: { value: 1 } },
        top: { hits: { hits: [{ _source: { a: 1 } }] } },
      }),
    ).toEqual([
      {
        "s.count": 2,
        "s.min": 1,
        "s.max": 3,
        "s.avg": 2,
        "s.sum": 4,
        "p.50.0": 2,
        "low.doc_count": 1,
        m: 1,
        top: [{ a: 1 }],
      },
    ]);
    expect(
      flattenAggregations({ f: { buckets: { calm: { doc_count: 3 }, tense: { doc_count: 1 } } } }),
    ).toEqual([
      { f: "calm", doc_count: 3 },
      { f: "tense", doc_count: 1 },
    ]);
    expect(
      flattenAggregations({
        c: { after_key: {}, buckets: [{ key: { drone: "d1", day: 0 }, doc_count: 2 }] },
      }),
    ).toEqual([{ "c.drone": "d1", "c.day": 0, doc_count: 2 }]);
  });
});
