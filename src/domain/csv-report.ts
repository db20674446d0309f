import type { Report } from "./report.js";

/** Columns of the historical CSV format, in order. */
export const REPORT_CSV_COLUMNS = [
  "reportId",
  "droneId",
  "ts",
  "lat",
  "lon",
  "citizens",
  "words",
] as const;

export type ReportCsvRecord = Record<(typeof REPORT_CSV_COLUMNS)[number], string>;

/**
 * Turns a CSV record into a candidate report for validation. Values that are not
 * numbers stay strings so the validator names the field ("must be number")
 * instead of a silent NaN. Citizens are `Name:score|Name:score`, split on the
 * last colon so names may contain colons; words are space-separated.
 */
export function csvRecordToCandidate(record: ReportCsvRecord): unknown {
  return {
    reportId: record.reportId,
    droneId: record.droneId,
    ts: record.ts,
    location: { lat: numberOrText(record.lat), lon: numberOrText(record.lon) },
    citizens: record.citizens.trim() === "" ? [] : record.citizens.split("|").map(parseCitizen),
    words: record.words.split(/\s+/).filter((w) => w !== ""),
  };
}

/** The CSV record of a report: what `pw query reports --format csv` writes and ingest reads back. */
export function reportToCsvRecord(report: Report): ReportCsvRecord {
  return {
    reportId: report.reportId,
    droneId: report.droneId,
    ts: report.ts,
    lat: String(report.location.lat),
    lon: String(report.location.lon),
    citizens: report.citizens.map((c) => `${c.name}:${c.score}`).join("|"),
    words: report.words.join(" "),
  };
}

function parseCitizen(entry: string): unknown {
  const colon = entry.lastIndexOf(":");
  if (colon < 0) return { name: entry.trim() };
  return { name: entry.slice(0, colon).trim(), score: numberOrText(entry.slice(colon + 1)) };
}

function numberOrText(text: string | undefined): unknown {
  if (text === undefined || text.trim() === "") return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : text;
}
