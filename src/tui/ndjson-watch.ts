import { once } from "node:events";
import type { Stream } from "../backends/stream/types.js";
import { alertPrinter } from "../cli/alert-output.js";
import { openAlertEventReader, readAlertEvents } from "./alert-events.js";

export interface NdjsonWatchOptions {
  stream: Stream;
  out: NodeJS.WriteStream;
  signal: AbortSignal;
  /** Told about messages on the alerts topic that are not alert events. */
  onUnreadable?: (count: number) => void;
}

/** What the NDJSON watch printed. */
export interface NdjsonWatchSummary {
  events: number;
  unreadable: number;
}

/**
 * `pw alerts --watch` when piped: every new alert event as one NDJSON line
 * (the same shape `pw alerts` prints), until the signal fires. Waits for a
 * slow reader of the pipe rather than buffering without bound.
 */
export async function watchAlertsAsNdjson(
  options: NdjsonWatchOptions,
): Promise<NdjsonWatchSummary> {
  const { out, signal } = options;
  const print = alertPrinter(out, "ndjson");
  const summary: NdjsonWatchSummary = { events: 0, unreadable: 0 };
  const reader = await openAlertEventReader(options.stream);
  try {
    while (!signal.aborted) {
      const batch = await readAlertEvents(reader, { signal });
      for (const event of batch.events) print(event);
      summary.events += batch.events.length;
      if (batch.unreadable > 0) {
        summary.unreadable += batch.unreadable;
        options.onUnreadable?.(batch.unreadable);
      }
      if (out.writableNeedDrain) await drained(out, signal);
    }
  } finally {
    await reader.close();
  }
  return summary;
}

async function drained(out: NodeJS.WriteStream, signal: AbortSignal): Promise<void> {
  try {
    await once(out, "drain", { signal });
  } catch (error) {
    // Stopping while the pipe is full is a normal end; anything else is not.
    if (!signal.aborted) throw error;
  }
}
