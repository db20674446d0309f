import type { GeoPoint } from "../../../domain/report.js";
import type { DroneReportRow, SightingRow, TimeRange } from "../types.js";
import type { OpenSearchHttp } from "./http.js";
import type { IndexLayout } from "./index-layout.js";
import { filterQuery, timeRangeClauses } from "./query-filters.js";
import { sortedHits } from "./sorted-hits.js";

/**
 * Oldest first, as the embedded store orders them. (ts, reportId) is unique for
 * reports; a sighting adds its score, so only a citizen named twice in one report
 * with the same score could tie (and such sightings are indistinguishable).
 */
const REPORT_ORDER = [{ ts: "asc" }, { reportId: "asc" }];
const SIGHTING_ORDER = [...REPORT_ORDER, { score: "asc" }];

interface SightingSource {
  ts: string;
  score: number;
  droneId: string;
  location: GeoPoint;
  reportId: string;
}

interface DroneReportSource {
  ts: string;
  location: GeoPoint;
  citizenCount: number;
  telemetry?: { battery?: number | null; altitudeM?: number | null; speedMps?: number | null };
}

/** Every sighting of one citizen in the range, oldest first. */
export async function citizenSightings(
  http: OpenSearchHttp,
  layout: IndexLayout,
  name: string,
  range: TimeRange,
): Promise<SightingRow[]> {
  const rows: SightingRow[] = [];
  const hits = sortedHits<SightingSource>(http, {
    pattern: layout.sightingsPattern,
    query: filterQuery([...timeRangeClauses(range), { term: { name } }]),
    sort: SIGHTING_ORDER,
    fields: ["ts", "score", "droneId", "location", "reportId"],
    what: "reading a citizen's sightings",
  });
  for await (const s of hits) {
    rows.push({
      ts: s.ts,
      score: s.score,
      droneId: s.droneId,
      lat: s.location.lat,
      lon: s.location.lon,
      reportId: s.reportId,
    });
  }
  return rows;
}

/**
 * Every report of one drone in the range, oldest first, with the seconds since
 * its previous report in the range (the first has none, like SQL's lag()).
 */
export async function droneReports(
  http: OpenSearchHttp,
  layout: IndexLayout,
  droneId: string,
  range: TimeRange,
): Promise<DroneReportRow[]> {
  const rows: DroneReportRow[] = [];
  let previousMs: number | undefined;
  const hits = sortedHits<DroneReportSource>(http, {
    pattern: layout.reportsPattern,
    query: filterQuery([...timeRangeClauses(range), { term: { droneId } }]),
    sort: REPORT_ORDER,
    fields: [
      "ts",
      "location",
      "citizenCount",
      "telemetry.battery",
      "telemetry.altitudeM",
      "telemetry.speedMps",
    ],
    what: "reading a drone's reports",
  });
  for await (const r of hits) {
    const tsMs = Date.parse(r.ts);
    rows.push({
      ts: r.ts,
      lat: r.location.lat,
      lon: r.location.lon,
      battery: r.telemetry?.battery ?? null,
      altitudeM: r.telemetry?.altitudeM ?? null,
      speedMps: r.telemetry?.speedMps ?? null,
      citizens: r.citizenCount,
      gapSeconds: previousMs === undefined ? null : (tsMs - previousMs) / 1000,
    });
    previousMs = tsMs;
  }
  return rows;
}
