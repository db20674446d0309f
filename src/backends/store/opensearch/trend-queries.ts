import { UsageError } from "../../../domain/errors.js";
import type { AgitatedTrendRow, CrowdTrendRow, ScoreTrendRow, TrendOptions } from "../types.js";
import { type CompositeBucket, compositeBuckets, metric } from "./composite.js";
import type { OpenSearchHttp } from "./http.js";
import type { IndexLayout } from "./index-layout.js";
import { type Clause, filterQuery, timeRangeClauses } from "./query-filters.js";

/**
 * Epoch-aligned UTC buckets: a fixed_interval date_histogram keys every document
 * by floor(epoch_ms / interval) * interval, exactly like the embedded store.
 * Used as a composite source, so empty buckets are never returned and any
 * number of buckets is paged through exactly.
 */
export function bucketSource(intervalMs: number): Clause {
  if (!(Number.isFinite(intervalMs) && intervalMs >= 1)) {
    throw new UsageError("the bucket interval must be at least 1 ms");
  }
  return {
    bucket: { date_histogram: { field: "ts", fixed_interval: `${Math.round(intervalMs)}ms` } },
  };
}

/** Sightings per bucket with their average and lowest score. */
export function scoreTrendRequest(options: TrendOptions) {
  return {
    query: filterQuery(timeRangeClauses(options)),
    sources: [bucketSource(options.intervalMs)],
    aggs: { avgScore: { avg: { field: "score" } }, minScore: { min: { field: "score" } } },
  };
}

/** Reports per bucket with their average number of citizens. */
export function crowdTrendRequest(options: TrendOptions) {
  return {
    query: filterQuery(timeRangeClauses(options)),
    sources: [bucketSource(options.intervalMs)],
    aggs: { avgCitizens: { avg: { field: "citizenCount" } } },
  };
}

/**
 * agitatedTrend needs, per bucket, the reports and the sightings scored below
 * the threshold (a per-report count that depends on the threshold, which no
 * script may compute at query time). Both are exact counts: reports from the
 * report indices, agitated sightings from the sighting indices; the average per
 * report is their ratio, which is what averaging per-report counts gives.
 */
export function agitatedTrendRequests(options: TrendOptions & { threshold: number }) {
  const sources = [bucketSource(options.intervalMs)];
  const range = timeRangeClauses(options);
  return {
    reports: { query: filterQuery(range), sources },
    agitated: {
      query: filterQuery([...range, { range: { score: { lt: options.threshold } } }]),
      sources,
    },
  };
}

/** Runs the trend questions against one store's indices. */
export class TrendQueries {
  constructor(
    private readonly http: OpenSearchHttp,
    private readonly layout: IndexLayout,
  ) {}

  async scoreTrend(options: TrendOptions): Promise<ScoreTrendRow[]> {
    const { query, sources, aggs } = scoreTrendRequest(options);
    const rows: ScoreTrendRow[] = [];
    for await (const b of this.buckets(this.layout.sightingsPattern, query, sources, aggs)) {
      rows.push({
        bucket: bucketKey(b),
        sightings: b.doc_count,
        avgScore: metric(b, "avgScore"),
        minScore: metric(b, "minScore"),
      });
    }
    return rows;
  }

  async crowdTrend(options: TrendOptions): Promise<CrowdTrendRow[]> {
    const { query, sources, aggs } = crowdTrendRequest(options);
    const rows: CrowdTrendRow[] = [];
    for await (const b of this.buckets(this.layout.reportsPattern, query, sources, aggs)) {
      rows.push({
        bucket: bucketKey(b),
        reports: b.doc_count,
        avgCitizens: metric(b, "avgCitizens") ?? 0,
      });
    }
    return rows;
  }

  async agitatedTrend(options: TrendOptions & { threshold: number }): Promise<AgitatedTrendRow[]> {
    const requests = agitatedTrendRequests(options);
    const agitated = new Map<string, number>();
    const { query, sources } = requests.agitated;
    for await (const b of this.buckets(this.layout.sightingsPattern, query, sources)) {
      agitated.set(bucketKey(b), b.doc_count);
    }
    const rows: AgitatedTrendRow[] = [];
    const reports = requests.reports;
    for await (const b of this.buckets(this.layout.reportsPattern, reports.query, sources)) {
      const bucket = bucketKey(b);
      const agitatedSightings = agitated.get(bucket) ?? 0;
      rows.push({
        bucket,
        reports: b.doc_count,
        agitatedSightings,
        avgAgitated: agitatedSightings / b.doc_count,
      });
    }
    return rows;
  }

  private buckets(
    index: string,
    query: Clause,
    sources: Clause[],
    aggs?: Clause,
  ): AsyncGenerator<CompositeBucket> {
    return compositeBuckets(
      this.http,
      { index },
      query,
      sources,
      aggs,
      "answering a trend question",
    );
  }
}

function bucketKey(bucket: CompositeBucket): string {
  return new Date(Number(bucket.key.bucket)).toISOString();
}
