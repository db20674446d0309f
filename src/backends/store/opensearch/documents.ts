import { geohash } from "../../../domain/geohash.js";
import type { GeoPoint, Report } from "../../../domain/report.js";
import type { ArchivedReport } from "../types.js";

/** The fields of report schema v1; any other top-level field goes under `extra`. */
const KNOWN_REPORT_FIELDS = new Set([
  "reportId",
  "droneId",
  "ts",
  "location",
  "citizens",
  "words",
  "telemetry",
]);

/** A report as indexed in `<prefix>reports-*` (see index-layout.ts for the mapping). */
export interface ReportDocument {
  reportId: string;
  droneId: string;
  /** Event time in UTC, ISO-8601 (the report's own offset survives in `raw`). */
  ts: string;
  /** When the stream received it, UTC ISO-8601. */
  receivedAt: string;
  location: GeoPoint;
  geohash: string;
  citizens: { name: string; score: number }[];
  citizenCount: number;
  /** Absent when nobody was seen. */
  minScore?: number;
  words: string[];
  /** Only the known telemetry fields; absent ones are left out of the JSON. */
  telemetry?: {
    battery?: number | null | undefined;
    altitudeM?: number | null | undefined;
    headingDeg?: number | null | undefined;
    speedMps?: number | null | undefined;
    firmware?: string | null | undefined;
  };
  extra?: Record<string, unknown>;
  raw: string;
}

/** One (report, citizen) pair as indexed in `<prefix>sightings-*`. */
export interface SightingDocument {
  reportId: string;
  droneId: string;
  ts: string;
  location: GeoPoint;
  geohash: string;
  name: string;
  score: number;
}

/**
 * The document of a report. Only the known fields are copied by name, so an
 * unknown field nested inside `location`, `citizens` or `telemetry` cannot break
 * the mapping; it survives in `raw` all the same.
 */
export function reportDocument(archived: ArchivedReport, tsMs: number): ReportDocument {
  const { report, raw, receivedAt } = archived;
  const { lat, lon } = report.location;
  const citizens = report.citizens.map(({ name, score }) => ({ name, score }));
  const doc: ReportDocument = {
    reportId: report.reportId,
    droneId: report.droneId,
    // ISO rather than epoch numbers: what people read in DSL answers and dashboards.
    ts: new Date(tsMs).toISOString(),
    receivedAt: new Date(receivedAt).toISOString(),
    location: { lat, lon },
    geohash: geohash(lat, lon),
    citizens,
    citizenCount: citizens.length,
    words: report.words,
    raw,
  };
  if (citizens.length > 0) doc.minScore = citizens.reduce((m, c) => Math.min(m, c.score), Infinity);
  if (report.telemetry) {
    const { battery, altitudeM, headingDeg, speedMps, firmware } = report.telemetry;
    doc.telemetry = { battery, altitudeM, headingDeg, speedMps, firmware };
  }
  const extra = extraFields(report);
  if (extra) doc.extra = extra;
  return doc;
}

/** The report fields a report's sightings are made of. */
export type SightingSource = Pick<
  ReportDocument,
  "reportId" | "droneId" | "ts" | "location" | "geohash" | "citizens"
>;

/**
 * The sightings of a report document as JSON texts of `SightingDocument`, in
 * citizen order (their `_id` suffix). The archive's hot path: about three per
 * report, and building each text from one shared head per report is several
 * times cheaper than stringifying an object for each.
 */
export function sightingJsons(doc: SightingSource): string[] {
  const head =
    `{"reportId":${JSON.stringify(doc.reportId)},"droneId":${JSON.stringify(doc.droneId)}` +
    `,"ts":${JSON.stringify(doc.ts)},"location":${JSON.stringify(doc.location)}` +
    `,"geohash":${JSON.stringify(doc.geohash)}`;
  return doc.citizens.map(
    ({ name, score }) => `${head},"name":${JSON.stringify(name)},"score":${JSON.stringify(score)}}`,
  );
}

/** `_id` of the sighting of the `index`-th citizen of a report. */
export function sightingId(reportId: string, index: number): string {
  return `${reportId}:${index}`;
}

function extraFields(report: Report): Record<string, unknown> | undefined {
  let extra: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(report)) {
    if (KNOWN_REPORT_FIELDS.has(key)) continue;
    extra ??= {};
    extra[key] = value;
  }
  return extra;
}
