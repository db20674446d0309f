import { geohashCell } from "../../../domain/geohash.js";
import type { HotspotOptions, HotspotRow } from "../types.js";
import { compositeBuckets } from "./composite.js";
import type { OpenSearchHttp } from "./http.js";
import type { IndexLayout } from "./index-layout.js";
import { filterQuery, timeRangeClauses } from "./query-filters.js";

/** Counts of one cell. */
interface CellCounts {
  agitatedSightings: number;
  sightings: number;
}

/**
 * Sightings and agitated sightings per stored (precision 7) cell, every cell:
 * a coarser cell's calm sightings may sit in finer cells without any agitation,
 * so all of them are needed to roll up exact counts.
 */
export function hotspotCellsRequest(options: HotspotOptions) {
  return {
    query: filterQuery(timeRangeClauses(options)),
    sources: [{ cell: { terms: { field: "geohash" } } }],
    aggs: { agitated: { filter: { range: { score: { lt: options.threshold } } } } },
  };
}

/**
 * Rolls stored cells up to their prefix of `precision` (a geohash prefix is the
 * enclosing cell; above the stored precision, the stored cell), keeps cells with agitation, and orders them like the
 * embedded store: most agitated sightings first, then by cell.
 */
export function rankHotspots(
  stored: Iterable<[string, CellCounts]>,
  precision: number,
  limit: number,
): HotspotRow[] {
  const cells = new Map<string, CellCounts>();
  for (const [cell, counts] of stored) {
    const key = cell.slice(0, precision);
    const total = cells.get(key) ?? { agitatedSightings: 0, sightings: 0 };
    total.agitatedSightings += counts.agitatedSightings;
    total.sightings += counts.sightings;
    cells.set(key, total);
  }
  return [...cells]
    .filter(([, c]) => c.agitatedSightings > 0)
    .sort(([a, ca], [b, cb]) => cb.agitatedSightings - ca.agitatedSightings || (a < b ? -1 : 1))
    .slice(0, Math.max(0, limit))
    .map(([cell, c]) => {
      const { lat, lon } = geohashCell(cell);
      return { cell, lat, lon, ...c };
    });
}

/** Agitated sightings per geohash cell, exactly (a composite over the stored cells). */
export async function hotspots(
  http: OpenSearchHttp,
  layout: IndexLayout,
  options: HotspotOptions,
): Promise<HotspotRow[]> {
  const { query, sources, aggs } = hotspotCellsRequest(options);
  const stored: [string, CellCounts][] = [];
  const buckets = compositeBuckets(
    http,
    { index: layout.sightingsPattern },
    query,
    sources,
    aggs,
    "finding hotspots",
  );
  for await (const b of buckets) {
    const agitated = (b.agitated as { doc_count: number }).doc_count;
    stored.push([String(b.key.cell), { agitatedSightings: agitated, sightings: b.doc_count }]);
  }
  return rankHotspots(stored, options.precision, options.limit);
}
