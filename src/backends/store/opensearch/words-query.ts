import type { WordOptions, WordRow } from "../types.js";
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
import { compareUtf8 } from "./top-agitated-query.js";

/**
 * A report is agitated when its lowest citizen score is below the threshold;
 * a report without citizens has no `minScore`, so it never is.
 */
function agitatedClause(threshold: number): Clause {
  return { range: { minScore: { lt: threshold } } };
}

/** All reports of the range and the agitated ones: the denominators of the lift. */
export function wordTotalsBody(options: WordOptions): Clause {
  return {
    size: 0,
    track_total_hits: true,
    query: filterQuery(timeRangeClauses(options)),
    aggs: { agitated: { filter: agitatedClause(options.threshold) } },
  };
}

/**
 * Reports and agitated reports per lower-cased word. `words.lower` holds each
 * lower-cased word once per report, so a bucket's count is a count of reports.
 */
export function wordCountsRequest(options: WordOptions) {
  return {
    query: filterQuery(timeRangeClauses(options)),
    sources: [{ word: { terms: { field: "words.lower" } } }],
    aggs: { agitated: { filter: agitatedClause(options.threshold) } },
  };
}

/** Rows from per-word counts, filtered, ordered and cut like the embedded store's SQL. */
export function rankWords(
  counts: Iterable<{ word: string; agitatedReports: number; reports: number }>,
  totals: { reports: number; agitatedReports: number },
  options: Pick<WordOptions, "minAgitatedReports" | "sort" | "limit">,
): WordRow[] {
  const rows = [...counts]
    .filter((c) => c.agitatedReports >= options.minAgitatedReports)
    .map((c) => ({
      ...c,
      // The same operations in the same order as the SQL, so the doubles are identical.
      lift: c.agitatedReports / totals.agitatedReports / (c.reports / totals.reports),
    }));
  const byLift = (a: WordRow, b: WordRow) => b.lift - a.lift;
  const byCount = (a: WordRow, b: WordRow) => b.agitatedReports - a.agitatedReports;
  const [first, second] = options.sort === "count" ? [byCount, byLift] : [byLift, byCount];
  return rows
    .sort((a, b) => first(a, b) || second(a, b) || compareUtf8(a.word, b.word))
    .slice(0, Math.max(0, options.limit));
}

interface TotalsAnswer {
  hits: { total: { value: number } };
  aggregations: { agitated: { doc_count: number } };
}

/**
 * Words heard near agitation compared with all reports. Exact: every word is
 * paged with a composite aggregation, on one point in time with the totals.
 */
export async function words(
  http: OpenSearchHttp,
  layout: IndexLayout,
  options: WordOptions,
): Promise<WordRow[]> {
  const indices = await indicesHolding(
    http,
    layout.reportsPattern,
    filterQuery(timeRangeClauses(options)),
  );
  if (indices.length === 0) return [];
  const target = pointInTimeTarget(layout.reportsPattern, indices);
  return withPointInTime(http, target, async (pit) => {
    const what = "comparing words";
    const { path, query: params, bodyFields } = searchRequest({ pit });
    const { body } = await http.request<TotalsAnswer>(
      { method: "POST", path, query: params, body: { ...wordTotalsBody(options), ...bodyFields } },
      what,
    );
    const totals = {
      reports: body.hits.total.value,
      agitatedReports: body.aggregations.agitated.doc_count,
    };
    const { query, sources, aggs } = wordCountsRequest(options);
    const counts: { word: string; agitatedReports: number; reports: number }[] = [];
    for await (const b of compositeBuckets(http, { pit }, query, sources, aggs, what)) {
      counts.push({
        word: String(b.key.word),
        agitatedReports: (b.agitated as { doc_count: number }).doc_count,
        reports: b.doc_count,
      });
    }
    return rankWords(counts, totals, options);
  });
}
