import type { CrowdTrendRow, ScoreTrendRow, TopAgitatedRow } from "../../backends/store/types.js";
import type { Alert, Severity } from "../../domain/alert.js";
import type { GeoPoint } from "../../domain/report.js";

/** One line of a line chart: x labels and their values. */
export interface Series {
  x: string[];
  y: number[];
}

/** Average score per bucket; buckets with no sightings are left out rather than drawn as 0. */
export function scoreSeries(rows: readonly ScoreTrendRow[]): Series {
  const kept = rows.filter((r) => r.avgScore !== null);
  return { x: kept.map((r) => bucketLabel(r.bucket)), y: kept.map((r) => round2(r.avgScore!)) };
}

/** Average number of citizens per report, per bucket. */
export function crowdSeries(rows: readonly CrowdTrendRow[]): Series {
  return { x: rows.map((r) => bucketLabel(r.bucket)), y: rows.map((r) => round2(r.avgCitizens)) };
}

/** "10:40" from a bucket's ISO start time (UTC, like every time pw prints). */
export function bucketLabel(iso: string): string {
  return /T(\d{2}:\d{2})/.exec(iso)?.[1] ?? iso;
}

/** Bar chart data: citizens' short names and their agitated sightings. */
export function agitatedBars(
  rows: readonly TopAgitatedRow[],
  labelWidth: number,
): { titles: string[]; data: number[] } {
  return {
    titles: rows.map((r) => shortName(r.citizen, labelWidth)),
    data: rows.map((r) => r.agitatedSightings),
  };
}

/** "Valentina Fernández" → "Valentina F." cut to `width`: bar labels are narrow. */
export function shortName(name: string, width: number): string {
  const [first = "", ...rest] = name.split(/\s+/);
  const initial = rest[0]?.[0];
  const short = initial ? `${first} ${initial}.` : first;
  return [...short].slice(0, width).join("");
}

/** A marker on the map. */
export interface MapMarker extends GeoPoint {
  severity: Severity;
}

/** Where recent alerts were last seen, the worst severity drawn last so it stays on top. */
export function alertMarkers(alerts: readonly Alert[]): MapMarker[] {
  const order: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };
  return alerts
    .map((a) => ({ lat: a.lastLocation.lat, lon: a.lastLocation.lon, severity: a.severity }))
    .sort((a, b) => order[a.severity] - order[b.severity]);
}

/** A latitude/longitude box the map shows. */
export interface MapView {
  minLat: number;
  maxLat: number;
  minLon: number;
  maxLon: number;
}

/** Central Paris, where the simulated drones patrol: the view when there is nothing to fit. */
export const PARIS_VIEW: MapView = { minLat: 48.8, maxLat: 48.92, minLon: 2.25, maxLon: 2.42 };

/**
 * The box around `points` with a margin on every side (so no marker sits on
 * the border), or `fallback` when there are none.
 */
export function mapViewAround(
  points: readonly GeoPoint[],
  fallback: MapView = PARIS_VIEW,
  marginRatio = 0.1,
): MapView {
  if (points.length === 0) return fallback;
  const lats = points.map((p) => p.lat);
  const lons = points.map((p) => p.lon);
  const box = {
    minLat: Math.min(...lats),
    maxLat: Math.max(...lats),
    minLon: Math.min(...lons),
    maxLon: Math.max(...lons),
  };
  // A single point (or a line) still needs an area to show.
  const latMargin = Math.max((box.maxLat - box.minLat) * marginRatio, 0.005);
  const lonMargin = Math.max((box.maxLon - box.minLon) * marginRatio, 0.005);
  return {
    minLat: box.minLat - latMargin,
    maxLat: box.maxLat + latMargin,
    minLon: box.minLon - lonMargin,
    maxLon: box.maxLon + lonMargin,
  };
}

export function inView(view: MapView, point: GeoPoint): boolean {
  return (
    point.lat > view.minLat &&
    point.lat < view.maxLat &&
    point.lon > view.minLon &&
    point.lon < view.maxLon
  );
}

/** Latest alerts as table rows: time, severity, citizen, score, drone, times seen. */
export function alertTableRows(alerts: readonly Alert[], limit: number): string[][] {
  return alerts
    .slice(0, limit)
    .map((a) => [
      /T(\d{2}:\d{2}:\d{2})/.exec(a.lastReportTs)?.[1] ?? a.lastReportTs,
      a.severity,
      a.citizen,
      String(a.lastScore),
      a.lastDroneId,
      `${a.occurrences}×`,
    ]);
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
