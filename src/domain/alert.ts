import type { GeoPoint } from "./report.js";

export const SEVERITIES = ["critical", "high", "medium", "low"] as const;
export type Severity = (typeof SEVERITIES)[number];

export type AlertState = "open" | "acked" | "resolved";

/**
 * One alert: an agitated citizen seen in a report. Repeats of the same citizen
 * inside the cooldown fold into it (`occurrences` grows, `last*` follow the newest).
 */
export interface Alert {
  alertId: string;
  rule: string;
  severity: Severity;
  state: AlertState;
  citizen: string;
  /** Score in the report that opened the alert. */
  score: number;
  droneId: string;
  location: GeoPoint;
  reportId: string;
  /** Event time of the opening report (ISO-8601). */
  reportTs: string;
  /** When pw detected it (ISO-8601). */
  detectedAt: string;
  words: string[];
  occurrences: number;
  lastScore: number;
  lastDroneId: string;
  lastLocation: GeoPoint;
  lastReportId: string;
  lastReportTs: string;
  lastDetectedAt: string;
}

/** What the alert consumer emits: the alert as it now stands, and why. */
export interface AlertEvent {
  event: "opened" | "updated";
  /** The report that caused this event. */
  reportId: string;
  alert: Alert;
}
