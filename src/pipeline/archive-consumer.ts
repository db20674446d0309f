import type { ArchivedReport, RejectedReport, Store } from "../backends/store/types.js";
import { type Message, type Stream, Topics } from "../backends/stream/types.js";
import { parseConsumedReports } from "./consumed-report.js";
import { deadLetter } from "./dead-letter.js";
import { isIdle } from "./idle.js";
import { type RetryOptions, retryRetriable } from "./retry.js";

export interface ArchiveConsumerOptions {
  stream: Stream;
  store: Store;
  /** A segment is flushed at this many reports... */
  flushReports?: number;
  /** ...or this long after its first report arrived. */
  flushMs?: number;
  signal?: AbortSignal;
  untilIdle?: boolean;
  now?: () => number;
  subscription?: string;
  onFlush?: (flush: { stored: number; duplicates: number; rejected: number; ms: number }) => void;
  /** Told when a flush failed retriably (the store is down or overloaded) and is tried again. */
  onRetry?: RetryOptions["onRetry"];
}

export interface ArchiveConsumerSummary {
  received: number;
  stored: number;
  duplicates: number;
  /** Refused by the store for good and dead-lettered. */
  rejected: number;
  flushes: number;
}

/**
 * The archive consumer: subscription `archive` on `reports` (Shared, so more
 * processes split the load). Reports are buffered and written to the store in
 * one flush; messages are acked only after the store says the flush is durable.
 * The store's idempotence by reportId makes a redelivery after a crash harmless:
 * every report is stored exactly once. A store that fails retriably (restart,
 * network) is retried with backoff rather than ending the consumer.
 */
export async function runArchiveConsumer(
  options: ArchiveConsumerOptions,
): Promise<ArchiveConsumerSummary> {
  const { stream, store, signal } = options;
  const now = options.now ?? Date.now;
  const flushReports = options.flushReports ?? 20_000;
  const flushMs = options.flushMs ?? 1000;
  const summary: ArchiveConsumerSummary = {
    received: 0,
    stored: 0,
    duplicates: 0,
    rejected: 0,
    flushes: 0,
  };
  const consumer = await stream.subscribe({
    topic: Topics.reports,
    subscription: options.subscription ?? "archive",
    type: "Shared",
    initialPosition: "Earliest",
    consumerName: `archive-${process.pid}`,
  });
  const deadLetters = await stream.createProducer({ topic: Topics.reportsDeadLetter });

  const rawById = new Map<string, string>();
  const deadLetterRejected = async (rejected: RejectedReport[]) => {
    await deadLetters.sendBatch(
      rejected.map((r) => ({
        key: "store",
        value: JSON.stringify(
          deadLetter(
            "store",
            undefined,
            [{ path: "", message: `store refused it: ${r.reason}` }],
            rawById.get(r.reportId) ?? r.reportId,
            now(),
          ),
        ),
      })),
    );
    summary.rejected += rejected.length;
  };

  let buffered: Message[] = [];
  let reports: ArchivedReport[] = [];
  let firstAt = 0;
  const flush = async () => {
    if (buffered.length === 0) return;
    const started = now();
    // A store that is restarting or unreachable is waited for, with backoff, for
    // as long as it takes: nothing is acked meanwhile, and writing the same
    // reports again is harmless (idempotent by reportId).
    const result = await retryRetriable(() => store.writeReports(reports), {
      signal,
      onRetry: options.onRetry,
    });
    if (result.rejected.length > 0) await deadLetterRejected(result.rejected);
    await consumer.ack(buffered);
    summary.stored += result.stored;
    summary.duplicates += result.duplicates;
    summary.flushes++;
    options.onFlush?.({
      stored: result.stored,
      duplicates: result.duplicates,
      rejected: result.rejected.length,
      ms: now() - started,
    });
    buffered = [];
    reports = [];
    rawById.clear();
  };

  try {
    while (!signal?.aborted) {
      const waitMs = buffered.length === 0 ? 500 : Math.max(0, firstAt + flushMs - now());
      const messages = await consumer.receive({
        maxMessages: Math.min(5000, flushReports - buffered.length),
        timeoutMs: waitMs,
        ...(signal && { signal }),
      });
      if (messages.length > 0) {
        if (buffered.length === 0) firstAt = now();
        summary.received += messages.length;
        const consumed = await parseConsumedReports(messages, deadLetters, now());
        buffered.push(...messages);
        for (const { message, report } of consumed) {
          reports.push({ report, raw: message.value, receivedAt: message.publishTime });
          rawById.set(report.reportId, message.value);
        }
      }
      if (buffered.length >= flushReports || (buffered.length > 0 && now() - firstAt >= flushMs)) {
        await flush();
      }
      if (messages.length === 0 && buffered.length === 0 && options.untilIdle) {
        if (await isIdle(stream, consumer.subscription)) break;
      }
    }
    // Shutting down: what is buffered is written and acked, not left for redelivery.
    await flush();
  } finally {
    await consumer.close();
    await deadLetters.close();
  }
  return summary;
}
