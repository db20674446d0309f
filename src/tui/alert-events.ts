import type { Message, Reader, Stream } from "../backends/stream/types.js";
import { Topics } from "../backends/stream/types.js";
import type { AlertEvent } from "../domain/alert.js";

/**
 * Reads an alert event as the alert consumer publishes it on the alerts topic
 * (`{event, reportId, alert}`), or returns undefined when the message is not one:
 * a watcher skips it and says so rather than stopping.
 */
export function parseAlertEvent(message: Pick<Message, "value">): AlertEvent | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message.value);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const candidate = parsed as Partial<AlertEvent>;
  const knownEvent = candidate.event === "opened" || candidate.event === "updated";
  const alert = candidate.alert;
  if (!knownEvent || typeof candidate.reportId !== "string") return undefined;
  if (typeof alert !== "object" || alert === null || typeof alert.alertId !== "string") {
    return undefined;
  }
  return candidate as AlertEvent;
}

/** One read from the alerts topic: the events, and how many messages were not events. */
export interface AlertEventBatch {
  events: AlertEvent[];
  unreadable: number;
}

/**
 * Opens a reader on the alerts topic at its end: a watcher shows what happens
 * from now on, the store holds the history.
 */
export function openAlertEventReader(stream: Stream): Promise<Reader> {
  return stream.createReader({ topic: Topics.alerts, start: "latest" });
}

/** Reads the next batch of alert events; an empty batch after `timeoutMs` or on abort. */
export async function readAlertEvents(
  reader: Reader,
  options: { signal?: AbortSignal; timeoutMs?: number; maxMessages?: number } = {},
): Promise<AlertEventBatch> {
  const messages = await reader.read({
    maxMessages: options.maxMessages ?? 500,
    timeoutMs: options.timeoutMs ?? 500,
    ...(options.signal && { signal: options.signal }),
  });
  const batch: AlertEventBatch = { events: [], unreadable: 0 };
  for (const message of messages) {
    const event = parseAlertEvent(message);
    if (event) batch.events.push(event);
    else batch.unreadable++;
  }
  return batch;
}
