import type { Store } from "../backends/store/types.js";
import type { Stream } from "../backends/stream/types.js";
import type { AlertEvent } from "../domain/alert.js";
import type { AlertRuleSet } from "../domain/alert-rules.js";
import { type AlertConsumerSummary, runAlertConsumer } from "./alert-consumer.js";
import { type ArchiveConsumerSummary, runArchiveConsumer } from "./archive-consumer.js";
import type { Notifier } from "./notifier.js";

export interface PipelineOptions {
  stream: Stream;
  store: Store;
  ruleSet: AlertRuleSet | (() => AlertRuleSet);
  onAlert?: (event: AlertEvent) => void;
  notifier?: Notifier;
  signal?: AbortSignal;
  untilIdle?: boolean;
  flushReports?: number;
  flushMs?: number;
}

export interface PipelineSummary {
  alerts: AlertConsumerSummary;
  archive: ArchiveConsumerSummary;
}

/**
 * Runs the alert and archive consumers side by side, each on its own
 * subscription. If one fails the other is stopped, and the failure is reported.
 */
export async function runPipeline(options: PipelineOptions): Promise<PipelineSummary> {
  const stop = new AbortController();
  const onOuterAbort = () => stop.abort();
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });
  const common = {
    stream: options.stream,
    store: options.store,
    signal: stop.signal,
    ...(options.untilIdle !== undefined && { untilIdle: options.untilIdle }),
  };
  const stopOnFailure = <T>(run: Promise<T>) =>
    run.catch((error: unknown) => {
      stop.abort();
      throw error;
    });
  try {
    const [alerts, archive] = await Promise.all([
      stopOnFailure(
        runAlertConsumer({
          ...common,
          ruleSet: options.ruleSet,
          ...(options.onAlert && { onAlert: options.onAlert }),
          ...(options.notifier && { notifier: options.notifier }),
        }),
      ),
      stopOnFailure(
        runArchiveConsumer({
          ...common,
          ...(options.flushReports !== undefined && { flushReports: options.flushReports }),
          ...(options.flushMs !== undefined && { flushMs: options.flushMs }),
        }),
      ),
    ]);
    return { alerts, archive };
  } finally {
    options.signal?.removeEventListener("abort", onOuterAbort);
  }
}
