import chalk, { type ChalkInstance } from "chalk";
import type { AlertEvent, Severity } from "../domain/alert.js";

const SEVERITY_COLOUR: Record<Severity, ChalkInstance> = {
  critical: chalk.bgRed.white.bold,
  high: chalk.red.bold,
  medium: chalk.yellow,
  low: chalk.cyan,
};

/** One alert event as a line for people (colour follows NO_COLOR through chalk). */
export function formatAlertLine(e: AlertEvent): string {
  const a = e.alert;
  const when = a.lastReportTs.replace("T", " ").replace(/\.\d+Z$|Z$/, "Z");
  const where = `${a.lastLocation.lat.toFixed(5)},${a.lastLocation.lon.toFixed(5)}`;
  const repeat = e.event === "updated" ? chalk.dim(` (seen ${a.occurrences}×)`) : "";
  return `${chalk.dim(when)} ${SEVERITY_COLOUR[a.severity](a.severity.toUpperCase().padEnd(8))} ${chalk.bold(a.citizen)} score ${a.lastScore} drone ${a.lastDroneId} at ${where}${repeat}`;
}

/** Alerts as NDJSON for pipes, or as readable lines on a terminal. */
export function alertPrinter(
  out: NodeJS.WriteStream = process.stdout,
  format: "ndjson" | "human" = out.isTTY ? "human" : "ndjson",
): (event: AlertEvent) => void {
  return (event) => {
    out.write(
      format === "ndjson"
        ? `${JSON.stringify({ event: event.event, causedBy: event.reportId, ...event.alert })}\n`
        : `${formatAlertLine(event)}\n`,
    );
  };
}
