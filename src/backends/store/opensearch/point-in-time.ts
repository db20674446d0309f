import type { OpenSearchHttp } from "./http.js";
import type { Clause } from "./query-filters.js";

/** Where a search runs: indices by name or pattern, or an open point in time. */
export type SearchTarget = { index: string } | { pit: string };

/** How long a point in time survives between two of its requests: a reader (a pager) may pause. */
export const PIT_KEEP_ALIVE = "10m";

/** Path, query string and body fields of a search against a target. */
export function searchRequest(target: SearchTarget): {
  path: string;
  query: Record<string, string | number | boolean>;
  bodyFields: Record<string, unknown>;
} {
  if ("pit" in target) {
    return {
      path: "/_search",
      query: {},
      bodyFields: { pit: { id: target.pit, keep_alive: PIT_KEEP_ALIVE } },
    };
  }
  return {
    path: `/${target.index}/_search`,
    query: { ignore_unavailable: true, allow_no_indices: true },
    bodyFields: {},
  };
}

/** Above this many indices, a point in time is opened on the pattern rather than a list. */
const MAX_LISTED_INDICES = 50;

/**
 * The indices of a pattern holding documents that match `query`, with a plain
 * search (an aggregation on `_index`), so a reader needs no admin permission.
 * None is an answer: a point in time cannot be opened on nothing.
 */
export async function indicesHolding(
  http: OpenSearchHttp,
  pattern: string,
  query: Clause,
): Promise<string[]> {
  const { body } = await http.request<{
    aggregations?: { indices?: { buckets: { key: string }[] } };
  }>(
    {
      method: "POST",
      path: `/${pattern}/_search`,
      query: { ignore_unavailable: true, allow_no_indices: true },
      body: {
        size: 0,
        track_total_hits: false,
        query,
        aggs: { indices: { terms: { field: "_index", size: 10_000 } } },
      },
    },
    `finding the indices of ${pattern}`,
  );
  return (body.aggregations?.indices?.buckets ?? []).map((b) => b.key).sort();
}

/** What to open a point in time on: the indices themselves while the list is short. */
export function pointInTimeTarget(pattern: string, indices: readonly string[]): string[] {
  return indices.length <= MAX_LISTED_INDICES ? [...indices] : [pattern];
}

/**
 * Runs `use` on a point in time over `indices`: one consistent snapshot for all
 * its requests, whatever is written meanwhile. Deleted afterwards, also on error.
 */
export async function withPointInTime<T>(
  http: OpenSearchHttp,
  indices: readonly string[],
  use: (pit: string) => Promise<T>,
): Promise<T> {
  const pit = await openPointInTime(http, indices);
  try {
    return await use(pit);
  } finally {
    await closePointInTime(http, pit);
  }
}

export async function openPointInTime(
  http: OpenSearchHttp,
  indices: readonly string[],
): Promise<string> {
  const { body } = await http.request<{ pit_id: string }>(
    {
      method: "POST",
      path: `/${indices.join(",")}/_search/point_in_time`,
      query: { keep_alive: PIT_KEEP_ALIVE },
    },
    "opening a point in time",
  );
  return body.pit_id;
}

/**
 * Best effort: a point in time left open expires after its keep-alive anyway,
 * and failing here would hide the outcome (or the error) of the search itself.
 */
export async function closePointInTime(http: OpenSearchHttp, pit: string): Promise<void> {
  await http
    .request(
      { method: "DELETE", path: "/_search/point_in_time", body: { pit_id: [pit] }, ignore: [404] },
      "closing a point in time",
    )
    .catch(() => undefined);
}
