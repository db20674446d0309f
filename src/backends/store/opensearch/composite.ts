import type { OpenSearchHttp } from "./http.js";
import { type SearchTarget, searchRequest } from "./point-in-time.js";
import type { Clause } from "./query-filters.js";

/** One bucket of a composite aggregation: its key, its count and its sub-aggregations. */
export interface CompositeBucket {
  key: Record<string, string | number>;
  doc_count: number;
  [subAggregation: string]: unknown;
}

interface CompositePage {
  aggregations?: {
    page?: { buckets: CompositeBucket[]; after_key?: Record<string, string | number> };
  };
}

/** Buckets asked for per request: well under search.max_buckets (65 535), sub-aggregations included. */
export const COMPOSITE_PAGE_SIZE = 2000;

/** The search body of one page of a composite aggregation. */
export function compositePageBody(
  query: Clause,
  sources: Clause[],
  aggs: Clause | undefined,
  after: Record<string, string | number> | undefined,
  size = COMPOSITE_PAGE_SIZE,
): Clause {
  return {
    size: 0,
    track_total_hits: false,
    query,
    aggs: {
      page: {
        composite: { size, sources, ...(after && { after }) },
        ...(aggs && { aggs }),
      },
    },
  };
}

/**
 * Every bucket of a composite aggregation, page after page. Unlike a `terms`
 * or `date_histogram` aggregation this is exact at any cardinality and never
 * hits the bucket limit: each bucket is complete when it is returned.
 */
export async function* compositeBuckets(
  http: OpenSearchHttp,
  target: SearchTarget,
  query: Clause,
  sources: Clause[],
  aggs: Clause | undefined,
  what: string,
): AsyncGenerator<CompositeBucket> {
  let after: Record<string, string | number> | undefined;
  for (;;) {
    const { path, query: params, bodyFields } = searchRequest(target);
    const { body } = await http.request<CompositePage>(
      {
        method: "POST",
        path,
        query: params,
        body: { ...compositePageBody(query, sources, aggs, after), ...bodyFields },
      },
      what,
    );
    const page = body.aggregations?.page;
    if (!page || page.buckets.length === 0) return;
    yield* page.buckets;
    // A short page is the last one: save the request that would come back empty.
    if (!page.after_key || page.buckets.length < COMPOSITE_PAGE_SIZE) return;
    after = page.after_key;
  }
}

/** A metric sub-aggregation's value (null when no document had the field). */
export function metric(bucket: CompositeBucket, name: string): number | null {
  const value = (bucket[name] as { value?: number | null } | undefined)?.value;
  return value ?? null;
}
