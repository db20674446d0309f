import type { GeoPoint } from "../domain/report.js";

/** "1,234.5" — a rate with at most one decimal; "–" before there is one. */
export function formatRate(value: number | null): string {
  if (value === null) return "–";
  return value.toLocaleString("en-US", { maximumFractionDigits: value < 10 ? 1 : 0 });
}

/** "1,234" */
export function formatCount(value: number): string {
  return value.toLocaleString("en-US");
}

/** The time of day of an ISO-8601 timestamp, in UTC: "10:04:59". */
export function clockTime(iso: string): string {
  const match = /T(\d{2}:\d{2}:\d{2})/.exec(iso);
  return match?.[1] ?? iso;
}

/** An ISO-8601 timestamp to the second: "2026-11-26 10:04:59Z". */
export function shortTimestamp(iso: string): string {
  return iso.replace("T", " ").replace(/\.\d+Z$/, "Z");
}

/** "12s ago", "5m ago", "3h ago", "in 2m" for times ahead of `now`. */
export function relativeTime(iso: string, now: number): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return "";
  const delta = now - ms;
  const abs = Math.abs(delta);
  const amount =
    abs < 60_000
      ? `${Math.floor(abs / 1000)}s`
      : abs < 3_600_000
        ? `${Math.floor(abs / 60_000)}m`
        : abs < 86_400_000
          ? `${Math.floor(abs / 3_600_000)}h`
          : `${Math.floor(abs / 86_400_000)}d`;
  return delta >= 0 ? `${amount} ago` : `in ${amount}`;
}

/** "48.85661,2.35222" */
export function formatLocation(point: GeoPoint): string {
  return `${point.lat.toFixed(5)},${point.lon.toFixed(5)}`;
}

/** Pads or cuts `text` to exactly `width` characters (cut text ends with …). */
export function fixedWidth(text: string, width: number): string {
  const chars = [...text];
  if (chars.length > width) return `${chars.slice(0, Math.max(0, width - 1)).join("")}…`;
  return text + " ".repeat(width - chars.length);
}
