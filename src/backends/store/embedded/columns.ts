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

/**
 * One staging line for DuckDB: the fields computed in JS (event time, receive
 * time, cell) then the report's raw JSON, tab-separated, so DuckDB parses the
 * JSON in C++ (json_transform) instead of JS re-encoding every report. Inside
 * JSON strings a tab, CR or LF is always escaped; a literal one can only be
 * whitespace between tokens, so turning it into a space keeps the same JSON and
 * makes the line safe to split on tabs.
 */
export function toStagingLine(archived: ArchivedReport): string {
  const { report, raw, receivedAt } = archived;
  const oneLine = /[\t\r\n]/.test(raw) ? raw.replace(/[\t\r\n]/g, " ") : raw;
  return `${Date.parse(report.ts)}\t${receivedAt}\t${geohash(report.location.lat, report.location.lon)}\t${oneLine}`;
}

/** read_csv column spec of the staging lines. */
export const STAGING_COLUMNS = {
  ts_ms: "BIGINT",
  received_ms: "BIGINT",
  geohash: "VARCHAR",
  raw: "VARCHAR",
} as const;

/** The parts of a report the columns are made of, as DuckDB's json_transform reads them. */
export const REPORT_JSON_STRUCTURE = JSON.stringify({
  reportId: "VARCHAR",
  droneId: "VARCHAR",
  location: { lat: "DOUBLE", lon: "DOUBLE" },
  citizens: [{ name: "VARCHAR", score: "DOUBLE" }],
  words: ["VARCHAR"],
  telemetry: {
    battery: "DOUBLE",
    altitudeM: "DOUBLE",
    headingDeg: "DOUBLE",
    speedMps: "DOUBLE",
    firmware: "VARCHAR",
  },
});

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
