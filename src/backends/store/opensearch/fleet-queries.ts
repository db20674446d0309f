import type { CoverageRow, SilentDroneRow, TimeRange, TrendOptions } from "../types.js";
import { compositeBuckets, metric } from "./composite.js";
import type { OpenSearchHttp } from "./http.js";
import type { IndexLayout } from "./index-layout.js";
import { type Clause, filterQuery, timeRangeClauses } from "./query-filters.js";
import { compareUtf8 } from "./top-agitated-query.js";
import { bucketSource } from "./trend-queries.js";

/**
 * Reports per drone per epoch-aligned bucket. A composite orders its keys by
 * source, droneId (keyword byte order, as SQL) then bucket: the embedded order.
 */
export function coverageRequest(options: TrendOptions) {
  return {
    query: filterQuery(timeRangeClauses(options)),
    sources: [{ droneId: { terms: { field: "droneId" } } }, bucketSource(options.intervalMs)],
  };
}

/** Each drone's last report time in the range. */
export function lastSeenRequest(range: TimeRange) {
  return {
    query: filterQuery(timeRangeClauses(range)),
    sources: [{ droneId: { terms: { field: "droneId" } } }],
    aggs: { lastSeen: { max: { field: "ts" } } },
  };
}

/**
 * Drones whose last report is more than `silentMs` older than the newest
 * report of the fleet, most silent first, then by droneId.
 */
export function silentOf(
  lastSeen: ReadonlyMap<string, number>,
  silentMs: number,
): SilentDroneRow[] {
  let newest = -Infinity;
  for (const last of lastSeen.values()) newest = Math.max(newest, last);
  return [...lastSeen]
    .filter(([, last]) => newest - last > silentMs)
    .map(([droneId, last]) => ({
      droneId,
      lastSeen: new Date(last).toISOString(),
      silentMinutes: (newest - last) / 60_000,
    }))
    .sort((a, b) => b.silentMinutes - a.silentMinutes || compareUtf8(a.droneId, b.droneId));
}

/** The questions about the fleet's drones, against one store's report indices. */
export class FleetQueries {
  constructor(
    private readonly http: OpenSearchHttp,
    private readonly layout: IndexLayout,
  ) {}

  async coverage(options: TrendOptions): Promise<CoverageRow[]> {
    const { query, sources } = coverageRequest(options);
    const rows: CoverageRow[] = [];
    for await (const b of this.buckets(query, sources, undefined)) {
      rows.push({
        droneId: String(b.key.droneId),
        bucket: new Date(Number(b.key.bucket)).toISOString(),
        reports: b.doc_count,
      });
    }
    return rows;
  }

  async silentDrones(options: TimeRange & { silentMs: number }): Promise<SilentDroneRow[]> {
    const { query, sources, aggs } = lastSeenRequest(options);
    const lastSeen = new Map<string, number>();
    for await (const b of this.buckets(query, sources, aggs)) {
      const last = metric(b, "lastSeen");
      // Never null: every bucket holds at least one report with its time.
      if (last !== null) lastSeen.set(String(b.key.droneId), last);
    }
    if (lastSeen.size === 0) return [];
    return silentOf(lastSeen, options.silentMs);
  }

  private buckets(query: Clause, sources: Clause[], aggs: Clause | undefined) {
    return compositeBuckets(
      this.http,
      { index: this.layout.reportsPattern },
      query,
      sources,
      aggs,
      "answering a fleet question",
    );
  }
}
