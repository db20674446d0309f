import type { Store } from "../backends/store/types.js";
import { type Stream, Topics } from "../backends/stream/types.js";
import type { AlertEvent } from "../domain/alert.js";
import type { AlertRuleSet } from "../domain/alert-rules.js";
import { AlertTracker } from "../domain/alert-tracker.js";
import { parseConsumedReports } from "./consumed-report.js";
import { isIdle } from "./idle.js";
import type { Notifier } from "./notifier.js";
import { mayHaveScoreBelow } from "./report-message.js";
import { type RetryOptions, retryRetriable } from "./retry.js";

const STATE_POLL_MS = 500;

export interface AlertConsumerOptions {
  stream: Stream;
  store: Store;
  /** The rules, or a function giving the current ones (a rules file reloaded on change). */
  ruleSet: AlertRuleSet | (() => AlertRuleSet);
  /** Called for every alert event as soon as it is detected (e.g. print NDJSON). */
  onAlert?: (event: AlertEvent) => void;
  /** Delivers alert events to webhooks / commands in the background. */
  notifier?: Notifier;
  signal?: AbortSignal;
  /** Stop once the subscription has no backlog. */
  untilIdle?: boolean;
  now?: () => number;
  subscription?: string;
  maxBatch?: number;
  /** Told when a store or stream call failed retriably (a backend restarting) and is tried again. */
  onRetry?: RetryOptions["onRetry"];
}

export interface AlertConsumerSummary {
  reports: number;
  events: number;
  opened: number;
}

/**
 * The alert consumer: subscription `alerts` on `reports`. For each report it
 * applies the rules and cooldown, publishes the events to the `alerts` topic and
 * the callback at once, then records them in the store and acks.
 *
 * Publishing comes before persisting on purpose: a crash in between repeats an
 * alert event (same alertId and occurrences, so downstream can tell) rather than
 * losing it. A report that already produced alerts (a duplicate reportId, or a
 * redelivery) produces nothing new. A backend failing retriably (a store or
 * broker restarting) is waited for with backoff instead of ending the consumer;
 * each retried call is safe to repeat.
 */
export async function runAlertConsumer(
  options: AlertConsumerOptions,
): Promise<AlertConsumerSummary> {
  const { stream, store, ruleSet, signal } = options;
  const now = options.now ?? Date.now;
  const retrying = <T>(call: () => Promise<T>) =>
    retryRetriable(call, { signal, onRetry: options.onRetry });
  const summary: AlertConsumerSummary = { reports: 0, events: 0, opened: 0 };
  const currentRules = typeof ruleSet === "function" ? ruleSet : () => ruleSet;
  let rules = currentRules();
  const tracker = new AlertTracker(
    rules,
    await retrying(() => store.recentOpenAlerts(rules.cooldownMs)),
  );
  const consumer = await stream.subscribe({
    topic: Topics.reports,
    subscription: options.subscription ?? "alerts",
    // Key_Shared: several alert consumers may share the load, each drone's reports staying in order.
    type: "Key_Shared",
    initialPosition: "Earliest",
    consumerName: `alerts-${process.pid}`,
  });
  // Operators ack and resolve alerts elsewhere (pw alerts ack, the console):
  // follow those changes, at most twice a second.
  let statesSeenUntil = now();
  let statesPolledAt = 0;
  const followStateChanges = async () => {
    if (now() - statesPolledAt < STATE_POLL_MS) return;
    statesPolledAt = now();
    for (const change of await retrying(() => store.alertStateChanges(statesSeenUntil))) {
      tracker.updateState(change.alertId, change.state);
      statesSeenUntil = Math.max(statesSeenUntil, change.changedAt);
    }
  };
  const alerts = await stream.createProducer({ topic: Topics.alerts });
  const deadLetters = await stream.createProducer({ topic: Topics.reportsDeadLetter });
  try {
    while (!signal?.aborted) {
      const messages = await consumer.receive({
        maxMessages: options.maxBatch ?? 1000,
        timeoutMs: 500,
        ...(signal && { signal }),
      });
      if (messages.length === 0) {
        if (options.untilIdle && (await isIdle(stream, consumer.subscription))) break;
        continue;
      }
      await followStateChanges();
      const detectedAt = now();
      if (currentRules() !== rules) {
        rules = currentRules();
        tracker.replaceRules(rules);
      }
      const threshold = tracker.scoreThreshold;
      summary.reports += messages.length;
      const worthParsing = messages.filter((m) => mayHaveScoreBelow(m, threshold));
      const consumed = await parseConsumedReports(worthParsing, deadLetters, detectedAt);
      const candidates = consumed.filter(({ report }) =>
        report.citizens.some((c) => c.score < threshold),
      );
      const done = await retrying(() =>
        store.alertedReports(candidates.map((c) => c.report.reportId)),
      );
      const events: AlertEvent[] = [];
      for (const { report } of candidates) {
        if (done.has(report.reportId)) continue;
        done.add(report.reportId); // a duplicate later in this batch is skipped too
        events.push(...tracker.observe(report, detectedAt));
      }
      if (events.length > 0) {
        // Sent again after a failure: downstream may see an event twice (same
        // alertId and occurrences), as after a crash, but never misses one.
        await retrying(() =>
          alerts.sendBatch(
            events.map((e) => ({
              key: e.alert.citizen,
              value: JSON.stringify(e),
              eventTime: Date.parse(e.alert.lastReportTs),
            })),
          ),
        );
        for (const event of events) {
          options.onAlert?.(event);
          // Acked means someone is on it: repeats are recorded, not notified again.
          if (event.alert.state !== "acked") options.notifier?.notify(event);
        }
        await retrying(() => store.recordAlertEvents(events));
        summary.events += events.length;
        summary.opened += events.filter((e) => e.event === "opened").length;
      }
      await consumer.ack(messages);
    }
  } finally {
    await consumer.close();
    await alerts.close();
    await deadLetters.close();
  }
  return summary;
}
