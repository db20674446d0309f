import { geohash } from "../../../domain/geohash.js";
import type { ArchivedReport } from "../types.js";

/**
 * Column layout of the embedded store's `reports` table (one row per report).
 * Times are stored as UTC TIMESTAMP; the report's own offset survives in `raw`.
 */
export const REPORT_COLUMNS = {
  report_id: "VARCHAR",
  drone_id: "VARCHAR",
  ts: "TIMESTAMP",
  lat: "DOUBLE",
  lon: "DOUBLE",
  geohash: "VARCHAR",
  citizens: "STRUCT(name VARCHAR, score DOUBLE)[]",
  words: "VARCHAR[]",
  citizen_count: "INTEGER",
  min_score: "DOUBLE",
  battery: "DOUBLE",
  altitude_m: "DOUBLE",
  heading_deg: "DOUBLE",
  speed_mps: "DOUBLE",
  firmware: "VARCHAR",
  received_at: "TIMESTAMP",
  raw: "VARCHAR",
} as const;

/** One row per (report, citizen): per-citizen questions need not unnest every report. */
export const SIGHTING_COLUMNS = {
  report_id: "VARCHAR",
  drone_id: "VARCHAR",
  ts: "TIMESTAMP",
  lat: "DOUBLE",
  lon: "DOUBLE",
  geohash: "VARCHAR",
  name: "VARCHAR",
  score: "DOUBLE",
} as const;

/** The staging row written as NDJSON for DuckDB to load; times in epoch ms. */
export function toStagingRow(archived: ArchivedReport): Record<string, unknown> {
  const { report, raw, receivedAt } = archived;
  const t = report.telemetry;
  let min: number | null = null;
  for (const c of report.citizens) if (min === null || c.score < min) min = c.score;
  return {
    report_id: report.reportId,
    drone_id: report.droneId,
    ts_ms: Date.parse(report.ts),
    lat: report.location.lat,
    lon: report.location.lon,
    geohash: geohash(report.location.lat, report.location.lon),
    citizens: report.citizens.map((c) => ({ name: c.name, score: c.score })),
    words: report.words,
    citizen_count: report.citizens.length,
    min_score: min,
    battery: t?.battery ?? null,
    altitude_m: t?.altitudeM ?? null,
    heading_deg: t?.headingDeg ?? null,
    speed_mps: t?.speedMps ?? null,
    firmware: t?.firmware ?? null,
    received_ms: receivedAt,
    raw,
  };
}

/** read_json column spec for the staging rows. */
export const STAGING_COLUMNS: Record<string, string> = {
  ...Object.fromEntries(
    Object.entries(REPORT_COLUMNS).filter(([name]) => name !== "ts" && name !== "received_at"),
  ),
  ts_ms: "BIGINT",
  received_ms: "BIGINT",
};

/** A relation with the given columns and no rows, for a store with no segment yet. */
export function emptyRelation(columns: Record<string, string>): string {
  const list = Object.entries(columns)
    .map(([name, type]) => `NULL::${type} AS ${name}`)
    .join(", ");
  return `(SELECT ${list} WHERE false)`;
}

export function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
