import { describe, expect, it } from "vitest";
import { UsageError } from "../../../domain/errors.js";
import { listAlertsBody, recentOpenAlertsBody } from "./alert-store.js";
import { compositePageBody } from "./composite.js";
import { filterQuery, reportFilterClauses, timeRangeClauses } from "./query-filters.js";
import { nextPageSize, REPORT_SORT, reportsPageBody } from "./reports-query.js";
import {
  agitatedCountsRequest,
  citizenStatsBody,
  compareUtf8,
  rankAgitated,
} from "./top-agitated-query.js";
import {
  agitatedTrendRequests,
  bucketSource,
  crowdTrendRequest,
  scoreTrendRequest,
} from "./trend-queries.js";

const range = { format: "epoch_millis", gte: 1000, lt: 2000 };

describe("query compilers", () => {
  it("filters reports by half-open time range, drone, citizen and arc distance", () => {
    expect(timeRangeClauses({})).toEqual([]);
    expect(timeRangeClauses({ until: 5 })).toEqual([
      { range: { ts: { format: "epoch_millis", lt: 5 } } },
    ]);
    expect(filterQuery([])).toEqual({ match_all: {} });
    expect(
      reportFilterClauses({
        since: 1000,
        until: 2000,
        drone: "d1",
        citizen: "Ann",
        near: { lat: 48.8, lon: 2.3, km: 1.5 },
        limit: 3,
      }),
    ).toEqual([
      { range: { ts: range } },
      { term: { droneId: "d1" } },
      { term: { "citizens.name": "Ann" } },
      {
        geo_distance: {
          distance: "1.5km",
          distance_type: "arc",
          location: { lat: 48.8, lon: 2.3 },
        },
      },
    ]);
  });

  it("pages reports on a point in time by (ts, reportId), fetching only the stored raw", () => {
    expect(reportsPageBody({ drone: "d1" }, "PIT", 500, [1, "r9"])).toEqual({
      size: 500,
      track_total_hits: false,
      query: { bool: { filter: [{ term: { droneId: "d1" } }] } },
      sort: REPORT_SORT,
      _source: false,
      stored_fields: ["raw"],
      pit: { id: "PIT", keep_alive: "10m" },
      search_after: [1, "r9"],
    });
    expect(REPORT_SORT).toEqual([{ ts: "asc" }, { reportId: "asc" }]);
  });

  it("sizes report pages to about 8 MiB, within the configured maximum", () => {
    expect(nextPageSize(700, 5000)).toBe(5000);
    expect(nextPageSize(64 * 1024, 5000)).toBe(128);
    expect(nextPageSize(1024 * 1024, 5000)).toBe(8);
    expect(nextPageSize(100 * 1024 * 1024, 5000)).toBe(1);
  });

  it("buckets trends on epoch-aligned fixed intervals, paged as a composite", () => {
    expect(bucketSource(3_600_000)).toEqual({
      bucket: { date_histogram: { field: "ts", fixed_interval: "3600000ms" } },
    });
    expect(() => bucketSource(0)).toThrow(UsageError);
    const score = scoreTrendRequest({ intervalMs: 60_000, since: 1000, until: 2000 });
    expect(score.aggs).toEqual({
      avgScore: { avg: { field: "score" } },
      minScore: { min: { field: "score" } },
    });
    expect(score.query).toEqual({ bool: { filter: [{ range: { ts: range } }] } });
    expect(crowdTrendRequest({ intervalMs: 60_000 }).aggs).toEqual({
      avgCitizens: { avg: { field: "citizenCount" } },
    });
    const agitated = agitatedTrendRequests({ intervalMs: 60_000, threshold: 2 });
    expect(agitated.reports.query).toEqual({ match_all: {} });
    expect(agitated.agitated.query).toEqual({
      bool: { filter: [{ range: { score: { lt: 2 } } }] },
    });
    expect(
      compositePageBody({ match_all: {} }, [bucketSource(1000)], undefined, { bucket: 5 }, 10),
    ).toEqual({
      size: 0,
      track_total_hits: false,
      query: { match_all: {} },
      aggs: {
        page: {
          composite: {
            size: 10,
            sources: [{ bucket: { date_histogram: { field: "ts", fixed_interval: "1000ms" } } }],
            after: { bucket: 5 },
          },
        },
      },
    });
  });

  it("ranks agitated citizens exactly: count first, then name in UTF-8 byte order", () => {
    expect(agitatedCountsRequest({ threshold: 2, limit: 5 }).sources).toEqual([
      { citizen: { terms: { field: "name" } } },
    ]);
    const counts = new Map([
      ["bob", 3],
      ["Ann", 3],
      ["\u{1F600}x", 1],
      ["\uFFFDx", 1],
      ["cid", 7],
    ]);
    expect(rankAgitated(counts, 4)).toEqual([
      { citizen: "cid", agitatedSightings: 7 },
      { citizen: "Ann", agitatedSightings: 3 },
      { citizen: "bob", agitatedSightings: 3 },
      // U+FFFD sorts before an astral character in UTF-8 (not in UTF-16).
      { citizen: "\uFFFDx", agitatedSightings: 1 },
    ]);
    expect(compareUtf8("\uFFFD", "\u{1F600}")).toBeLessThan(0);
    expect(rankAgitated(counts, 0)).toEqual([]);
    const stats = citizenStatsBody({ threshold: 2, limit: 5 }, ["Ann", "bob"]);
    expect(stats.query).toEqual({ bool: { filter: [{ terms: { name: ["Ann", "bob"] } }] } });
    expect((stats.aggs as { citizens: { terms: unknown } }).citizens.terms).toEqual({
      field: "name",
      size: 2,
      shard_size: 2,
    });
  });

  it("lists alerts newest first and finds the recent open ones", () => {
    expect(listAlertsBody({ state: "open" })).toEqual({
      query: { bool: { filter: [{ term: { state: "open" } }] } },
      sort: [{ detectedMs: "desc" }, { alertId: "asc" }],
    });
    expect(recentOpenAlertsBody(499.2)).toEqual({
      query: {
        bool: {
          filter: [{ range: { lastReportMs: { gte: 500, format: "epoch_millis" } } }],
          must_not: [{ term: { state: "resolved" } }],
        },
      },
      sort: [{ alertId: "asc" }],
    });
  });
});
