import { UsageError } from "../../../domain/errors.js";
import type { RawQueryResult } from "../types.js";

/** What a DSL query may search; `reports` unless the body says `"index": "..."`. */
export const DSL_TARGETS = ["reports", "sightings", "alerts"] as const;
export type DslTarget = (typeof DSL_TARGETS)[number];

export interface DslQuery {
  target: DslTarget;
  /** The search body sent to `_search`, without pw's `index` key. */
  body: Record<string, unknown>;
}

/**
 * Parses `pw query dsl` input: a JSON search body. pw adds one key of its own,
 * `"index": "reports" | "sightings" | "alerts"` (default reports), taken out
 * before the body goes to `_search`, the only endpoint ever called (read-only).
 */
export function parseDslQuery(text: string): DslQuery {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`the DSL query is not valid JSON: ${(error as Error).message}`, error);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new UsageError('the DSL query must be a JSON object, e.g. {"query":{"match_all":{}}}');
  }
  const { index, ...body } = value as Record<string, unknown>;
  if (index === undefined) return { target: "reports", body };
  if (!(DSL_TARGETS as readonly unknown[]).includes(index)) {
    throw new UsageError(`"index" must be one of ${DSL_TARGETS.join(", ")}`);
  }
  return { target: index as DslTarget, body };
}

interface SearchAnswer {
  hits?: { hits?: { _id: string; _source?: Record<string, unknown> }[] };
  aggregations?: Record<string, unknown>;
}

/**
 * Rows of a search answer. With aggregations, one row per innermost bucket
 * (see `flattenAggregations`) and the hits are left out; otherwise one row per
 * hit: its `_id` then its `_source` fields (a report's `raw` is never in it).
 */
export function searchAnswerRows(answer: SearchAnswer): RawQueryResult {
  const rows =
    answer.aggregations && Object.keys(answer.aggregations).length > 0
      ? flattenAggregations(answer.aggregations)
      : (answer.hits?.hits ?? []).map((hit) => ({ _id: hit._id, ...hit._source }));
  return { columns: columnsOf(rows), rows };
}

/**
 * Aggregation results as a table. A bucket aggregation adds a column named
 * after it holding the bucket key (`key_as_string` when there is one, a
 * composite key as `<name>.<source>` columns) and `doc_count`; nested bucket
 * aggregations give one row per innermost bucket, carrying the keys above it.
 * Metrics become columns: `<name>` for one value, `<name>.<stat>` for several.
 */
export function flattenAggregations(aggs: Record<string, unknown>): Record<string, unknown>[] {
  const row: Record<string, unknown> = {};
  // Children giving several rows each (bucket aggregations); their rows share `row`.
  const rowSets: Record<string, unknown>[][] = [];
  for (const [name, result] of Object.entries(aggs)) {
    if (typeof result !== "object" || result === null) continue;
    const agg = result as Record<string, unknown>;
    if ("buckets" in agg) {
      rowSets.push(bucketList(agg.buckets).flatMap((bucket) => bucketRows(name, bucket)));
    } else if ("value" in agg) {
      row[name] = agg.value_as_string ?? agg.value;
    } else if ("hits" in agg) {
      const hits = (agg.hits as { hits?: { _source?: unknown }[] }).hits ?? [];
      row[name] = hits.map((h) => h._source);
    } else if ("doc_count" in agg) {
      // A single-bucket aggregation (filter, missing, nested...): its count, then its insides.
      const { doc_count, ...inner } = agg;
      row[`${name}.doc_count`] = doc_count;
      const rows = flattenAggregations(inner);
      if (rows.length === 1) Object.assign(row, rows[0]);
      else rowSets.push(rows);
    } else if ("values" in agg && typeof agg.values === "object" && agg.values !== null) {
      for (const [stat, v] of Object.entries(agg.values)) row[`${name}.${stat}`] = v;
    } else {
      for (const [stat, v] of Object.entries(agg)) {
        if (typeof v !== "object" || v === null) row[`${name}.${stat}`] = v;
      }
    }
  }
  if (rowSets.length === 0) return [row];
  return rowSets.flatMap((rows) => rows.map((r) => ({ ...row, ...r })));
}

/** The rows of one bucket: its key and count, then whatever its sub-aggregations give. */
function bucketRows(name: string, bucket: Record<string, unknown>): Record<string, unknown>[] {
  const { key, key_as_string, doc_count, ...inner } = bucket;
  const keyed: Record<string, unknown> = {};
  if (key_as_string !== undefined) keyed[name] = key_as_string;
  else if (typeof key === "object" && key !== null) {
    for (const [source, v] of Object.entries(key)) keyed[`${name}.${source}`] = v;
  } else keyed[name] = key;
  keyed.doc_count = doc_count;
  return flattenAggregations(inner).map((r) => ({ ...keyed, ...r }));
}

function bucketList(buckets: unknown): Record<string, unknown>[] {
  if (Array.isArray(buckets)) return buckets as Record<string, unknown>[];
  // Keyed buckets (filters, ranges with keyed: true): the name is the key.
  return Object.entries((buckets ?? {}) as Record<string, Record<string, unknown>>).map(
    ([key, bucket]) => ({ key, ...bucket }),
  );
}

function columnsOf(rows: readonly Record<string, unknown>[]): string[] {
  const columns = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) columns.add(key);
  return [...columns];
}
