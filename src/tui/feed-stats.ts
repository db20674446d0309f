import type { SubscriptionStats } from "../backends/stream/types.js";

/** A cumulative counter read at a point in time (epoch ms). */
export interface CounterSample {
  at: number;
  value: number;
}

/** The numbers in the console's header. */
export interface FeedStats {
  /** Reports published per second between the last two polls; null until there are two. */
  reportsPerSecond: number | null;
  /** Alert events received per minute over the last minute; null until there are two polls. */
  alertsPerMinute: number | null;
  /** Unacknowledged reports of each subscription on the reports topic. */
  backlog: readonly Pick<SubscriptionStats, "name" | "backlog">[];
  /** Alert events received since the console started. */
  eventsReceived: number;
  /** Messages on the alerts topic that were not alert events, skipped. */
  unreadable: number;
}

/** Whether the backends answer. */
export type ConnectionState =
  | { status: "connecting" }
  | { status: "ok" }
  | { status: "error"; message: string };

export const EMPTY_FEED_STATS: FeedStats = {
  reportsPerSecond: null,
  alertsPerMinute: null,
  backlog: [],
  eventsReceived: 0,
  unreadable: 0,
};

/** Adds a sample and drops those older than `keepMs` before it (always keeping the one before). */
export function pushSample(
  samples: readonly CounterSample[],
  sample: CounterSample,
  keepMs: number,
): CounterSample[] {
  const kept = [...samples, sample];
  while (kept.length > 2 && kept[1]!.at <= sample.at - keepMs) kept.shift();
  return kept;
}

/**
 * Rate per second of a counter between its newest sample and the oldest one
 * within `windowMs` of it (at least the previous sample). Null without two
 * samples. A counter that went down (a backend was reset) counts from zero.
 */
export function ratePerSecond(samples: readonly CounterSample[], windowMs: number): number | null {
  const newest = samples.at(-1);
  if (!newest || samples.length < 2) return null;
  let oldest = samples[samples.length - 2]!;
  for (const sample of samples) {
    if (sample.at >= newest.at - windowMs) {
      if (sample.at < oldest.at) oldest = sample;
      break;
    }
  }
  const elapsedMs = newest.at - oldest.at;
  if (elapsedMs <= 0) return null;
  const delta = newest.value >= oldest.value ? newest.value - oldest.value : newest.value;
  return (delta * 1000) / elapsedMs;
}
