import type { ReportFilter, TimeRange } from "../types.js";

/** A query DSL clause. */
export type Clause = Record<string, unknown>;

/**
 * `ts` in [since, until), as epoch ms; no clause for an open range. Bounds are
 * rounded to whole milliseconds, as the embedded store casts them, and because
 * `epoch_millis` does not parse a fraction.
 */
export function timeRangeClauses(range: TimeRange): Clause[] {
  if (range.since === undefined && range.until === undefined) return [];
  const bounds: Record<string, unknown> = { format: "epoch_millis" };
  if (range.since !== undefined) bounds.gte = Math.round(range.since);
  if (range.until !== undefined) bounds.lt = Math.round(range.until);
  return [{ range: { ts: bounds } }];
}

/** A filter-only bool query (no scoring) of the clauses; match_all when there are none. */
export function filterQuery(clauses: readonly Clause[]): Clause {
  return clauses.length === 0 ? { match_all: {} } : { bool: { filter: clauses } };
}

/**
 * The report filter on report documents. A citizen matches on `citizens.name`,
 * the same reports as "has a sighting of that name". Distance is the great-circle
 * (arc) distance OpenSearch computes on the stored, slightly quantised geo_point.
 */
export function reportFilterClauses(filter: ReportFilter): Clause[] {
  const clauses = timeRangeClauses(filter);
  if (filter.drone !== undefined) clauses.push({ term: { droneId: filter.drone } });
  if (filter.citizen !== undefined) clauses.push({ term: { "citizens.name": filter.citizen } });
  if (filter.near) {
    const { lat, lon, km } = filter.near;
    clauses.push({
      geo_distance: { distance: `${km}km`, distance_type: "arc", location: { lat, lon } },
    });
  }
  return clauses;
}
