import { BackendError } from "../../../domain/errors.js";
import type { TimeRange, TopAgitatedRow } from "../types.js";
import { compositeBuckets } from "./composite.js";
import type { OpenSearchHttp } from "./http.js";
import type { IndexLayout } from "./index-layout.js";
import {
  indicesHolding,
  pointInTimeTarget,
  searchRequest,
  withPointInTime,
} from "./point-in-time.js";
import { type Clause, filterQuery, timeRangeClauses } from "./query-filters.js";

export interface TopAgitatedOptions extends TimeRange {
  threshold: number;
  limit: number;
}

/** Names looked up per request in the second step (well under index.max_terms_count). */
const NAMES_PER_REQUEST = 1000;

/** Step 1: agitated sightings per citizen, every citizen, exactly (a composite on `name`). */
export function agitatedCountsRequest(options: TopAgitatedOptions) {
  return {
    query: filterQuery([
      ...timeRangeClauses(options),
      { range: { score: { lt: options.threshold } } },
    ]),
    sources: [{ citizen: { terms: { field: "name" } } }],
  };
}

/**
 * Step 2: all sightings of the chosen citizens, with their lowest and average
 * score and last event time. The query keeps only those names, so a terms
 * aggregation sized to them returns every one with exact counts.
 */
export function citizenStatsBody(options: TopAgitatedOptions, names: readonly string[]): Clause {
  return {
    size: 0,
    track_total_hits: false,
    query: filterQuery([...timeRangeClauses(options), { terms: { name: names } }]),
    aggs: {
      citizens: {
        terms: { field: "name", size: names.length, shard_size: names.length },
        aggs: {
          minScore: { min: { field: "score" } },
          avgScore: { avg: { field: "score" } },
          lastSeen: { max: { field: "ts" } },
        },
      },
    },
  };
}

/**
 * The embedded store's order: most agitated sightings first, then by name in
 * byte order of UTF-8 (what SQL and OpenSearch's keyword order use), then cut.
 */
export function rankAgitated(
  counts: ReadonlyMap<string, number>,
  limit: number,
): { citizen: string; agitatedSightings: number }[] {
  return [...counts]
    .map(([citizen, agitatedSightings]) => ({ citizen, agitatedSightings }))
    .sort((a, b) => b.agitatedSightings - a.agitatedSightings || compareUtf8(a.citizen, b.citizen))
    .slice(0, Math.max(0, limit));
}

export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

interface TermsAnswer {
  aggregations?: {
    citizens?: {
      buckets: {
        key: string;
        doc_count: number;
        // Never null: every bucket holds at least one sighting.
        minScore: { value: number };
        avgScore: { value: number };
        lastSeen: { value: number };
      }[];
    };
  };
}

/**
 * Citizens most often seen agitated. Exact: every citizen's agitated count is
 * paged with a composite aggregation (memory grows with the number of distinct
 * agitated citizens, not with sightings), then the top ones get their stats.
 * Both steps read one point in time, so they agree even while reports arrive.
 */
export async function topAgitated(
  http: OpenSearchHttp,
  layout: IndexLayout,
  options: TopAgitatedOptions,
): Promise<TopAgitatedRow[]> {
  if (options.limit <= 0) return [];
  const { query, sources } = agitatedCountsRequest(options);
  // Every index of the time range: the second step also counts calm sightings.
  const indices = await indicesHolding(
    http,
    layout.sightingsPattern,
    filterQuery(timeRangeClauses(options)),
  );
  if (indices.length === 0) return [];
  const target = pointInTimeTarget(layout.sightingsPattern, indices);
  return withPointInTime(http, target, async (pit) => {
    const what = "ranking agitated citizens";
    const counts = new Map<string, number>();
    for await (const bucket of compositeBuckets(http, { pit }, query, sources, undefined, what)) {
      counts.set(String(bucket.key.citizen), bucket.doc_count);
    }
    const top = rankAgitated(counts, options.limit);

    const stats = new Map<string, Omit<TopAgitatedRow, "citizen" | "agitatedSightings">>();
    for (let i = 0; i < top.length; i += NAMES_PER_REQUEST) {
      const names = top.slice(i, i + NAMES_PER_REQUEST).map((t) => t.citizen);
      const { path, query: params, bodyFields } = searchRequest({ pit });
      const { body } = await http.request<TermsAnswer>(
        {
          method: "POST",
          path,
          query: params,
          body: { ...citizenStatsBody(options, names), ...bodyFields },
        },
        what,
      );
      for (const b of body.aggregations?.citizens?.buckets ?? []) {
        stats.set(b.key, {
          sightings: b.doc_count,
          minScore: b.minScore.value,
          avgScore: b.avgScore.value,
          lastSeen: new Date(b.lastSeen.value).toISOString(),
        });
      }
    }
    return top.map(({ citizen, agitatedSightings }) => {
      const s = stats.get(citizen);
      // Impossible on one point in time: every agitated citizen has sightings.
      if (!s)
        throw new BackendError(`OpenSearch returned no sightings of ${citizen} while ranking`);
      return { citizen, agitatedSightings, ...s };
    });
  });
}
