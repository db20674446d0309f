import type { OutgoingMessage, Producer } from "../backends/stream/types.js";
import { BackendError, PwError } from "../domain/errors.js";
import { type RetryOptions, retryRetriable } from "./retry.js";

/** Where a record of input came from: named when it cannot be published. */
export interface RecordOrigin {
  source: string;
  line: number;
}

/**
 * Publishes one batch of ingest. A retriable failure (typically a broker
 * restarting for longer than the driver's send timeout) sends the whole batch
 * again, with backoff, until `retry.giveUpAfterMs`: reports acknowledged before
 * the failure are then published twice, which costs nothing downstream (the
 * store and the alert consumer skip a reportId they already have). If it still
 * fails, the error names the lines (`origins`, the whole batch) that may not
 * have been published, so that nothing is lost silently. Errors that are not PwErrors (defects) pass as they are.
 */
export async function publishBatch(
  producer: Producer,
  messages: readonly OutgoingMessage[],
  origins: readonly RecordOrigin[],
  what: string,
  retry: RetryOptions,
): Promise<void> {
  try {
    await retryRetriable(() => producer.sendBatch(messages), retry);
  } catch (error) {
    if (!(error instanceof PwError)) throw error;
    throw new BackendError(
      `${describeOrigins(origins)}: ${messages.length} ${what}(s) may not have been published to ${producer.topic}: ${error.message}. ` +
        "Every line before these was published or dead-lettered: ingest again from there (a report published twice is stored once)",
      { retriable: error.retriable, cause: error },
    );
  }
}

/** `stdin lines 4001-5007`, or `a.ndjson lines 1-20, b.ndjson line 3`: per source, first to last line. */
export function describeOrigins(origins: readonly RecordOrigin[]): string {
  const ranges = new Map<string, { first: number; last: number }>();
  for (const { source, line } of origins) {
    const range = ranges.get(source);
    if (!range) ranges.set(source, { first: line, last: line });
    else {
      range.first = Math.min(range.first, line);
      range.last = Math.max(range.last, line);
    }
  }
  return [...ranges]
    .map(([source, { first, last }]) =>
      first === last ? `${source} line ${first}` : `${source} lines ${first}-${last}`,
    )
    .join(", ");
}
