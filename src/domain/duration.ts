import { UsageError } from "./errors.js";

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Parses "500ms", "30s", "10m", "1h", "7d", "2w" (or a bare number of ms) into milliseconds. */
export function parseDuration(text: string, what = "duration"): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/.exec(text);
  if (!match) {
    throw new UsageError(`${what} "${text}" is not a duration such as 500ms, 30s, 10m, 1h or 7d`);
  }
  return Math.round(Number(match[1]) * (UNIT_MS[match[2] ?? "ms"] ?? 1));
}

/**
 * Parses a point in time: an ISO-8601 date-time, a date (UTC midnight), or a
 * duration meaning "that long before now" ("7d" = seven days ago).
 */
export function parseTimePoint(text: string, now: number, what = "time"): number {
  if (/^\d+(?:\.\d+)?\s*(ms|s|m|h|d|w)$/.test(text.trim())) return now - parseDuration(text, what);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    throw new UsageError(
      `${what} "${text}" is neither an ISO-8601 time (2026-11-26T10:00:00Z, 2026-11-26) nor a duration ago (7d)`,
    );
  }
  return ms;
}
