import type { OpenSearchHttp } from "./http.js";
import {
  closePointInTime,
  indicesHolding,
  openPointInTime,
  PIT_KEEP_ALIVE,
  pointInTimeTarget,
} from "./point-in-time.js";
import type { Clause } from "./query-filters.js";

/** Hits per page: small `_source` subsets, so a page stays a few hundred kB. */
const PAGE_SIZE = 5000;

interface HitsPage<S> {
  pit_id?: string;
  hits: { hits: { _source: S; sort: unknown[] }[] };
}

/** What to read: a pattern, a query, a sort that is a complete search_after key, and the fields. */
export interface SortedHitsRequest {
  pattern: string;
  query: Clause;
  sort: Clause[];
  fields: string[];
  what: string;
}

/**
 * The `_source` of every hit of a sorted query, in order: a point in time plus
 * search_after, so there is no 10 000-hit cap and all pages come from one
 * snapshot. Only the indices holding matching documents are opened.
 */
export async function* sortedHits<S>(
  http: OpenSearchHttp,
  request: SortedHitsRequest,
): AsyncGenerator<S> {
  const { pattern, query, sort, fields, what } = request;
  const indices = await indicesHolding(http, pattern, query);
  if (indices.length === 0) return;
  let pit = await openPointInTime(http, pointInTimeTarget(pattern, indices));
  try {
    let searchAfter: unknown[] | undefined;
    for (;;) {
      const { body } = await http.request<HitsPage<S>>(
        {
          method: "POST",
          path: "/_search",
          body: {
            size: PAGE_SIZE,
            track_total_hits: false,
            query,
            sort,
            _source: fields,
            pit: { id: pit, keep_alive: PIT_KEEP_ALIVE },
            ...(searchAfter && { search_after: searchAfter }),
          },
        },
        what,
      );
      if (body.pit_id) pit = body.pit_id;
      const hits = body.hits.hits;
      for (const hit of hits) yield hit._source;
      if (hits.length < PAGE_SIZE) return;
      searchAfter = hits[hits.length - 1]!.sort;
    }
  } finally {
    await closePointInTime(http, pit);
  }
}
