import {
  type AlertConsumerOptions,
  type AlertConsumerSummary,
  runAlertConsumer,
} from "./alert-consumer.js";
import {
  type ArchiveConsumerOptions,
  type ArchiveConsumerSummary,
  runArchiveConsumer,
} from "./archive-consumer.js";

/** The two consumers' options, shared where they overlap. */
export type PipelineOptions = Pick<
  AlertConsumerOptions,
  "stream" | "store" | "ruleSet" | "onAlert" | "notifier" | "signal" | "untilIdle" | "onRetry"
> &
  Pick<ArchiveConsumerOptions, "flushReports" | "flushMs">;

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
    ...(options.onRetry && { onRetry: options.onRetry }),
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
