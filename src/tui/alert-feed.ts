import { setTimeout as delay } from "node:timers/promises";
import type { Store } from "../backends/store/types.js";
import { type Reader, type Stream, Topics } from "../backends/stream/types.js";
import type { Alert } from "../domain/alert.js";
import { openAlertEventReader, readAlertEvents } from "./alert-events.js";
import { applyAlertEvents, MAX_ALERTS_IN_MEMORY, newestFirst } from "./alert-list.js";
import {
  type ConnectionState,
  type CounterSample,
  EMPTY_FEED_STATS,
  type FeedStats,
  pushSample,
  ratePerSecond,
} from "./feed-stats.js";

/** What the console shows at one moment; replaced as a whole on every change. */
export interface AlertFeedSnapshot {
  alerts: readonly Alert[];
  stats: FeedStats;
  connection: ConnectionState;
}

export interface AlertFeedOptions {
  stream: Stream;
  store: Store;
  /** Alerts loaded from the store on start. Default 500. */
  historyLimit?: number;
  /** Alerts kept in memory. Default 5,000. */
  maxAlerts?: number;
  /** How often the stream's stats are polled. Default 1 s. */
  statsIntervalMs?: number;
  now?: () => number;
}

const ALERT_RATE_WINDOW_MS = 60_000;
const MAX_RETRY_DELAY_MS = 10_000;

type Source = "history" | "alerts topic" | "stats";

/**
 * The data behind the live alert console: history from the store, then alert
 * events from the alerts topic applied as they arrive, and the stream's stats
 * polled for the header. An external store for React (`subscribe` /
 * `getSnapshot`), so the UI stays a pure function of the snapshot and the feed
 * can be stopped and awaited outside React.
 *
 * Backend failures never end the feed: they show as the connection state and
 * the failed step is retried with a growing delay.
 */
export class AlertFeed {
  private snapshot: AlertFeedSnapshot = {
    alerts: [],
    stats: EMPTY_FEED_STATS,
    connection: { status: "connecting" },
  };
  private readonly listeners = new Set<() => void>();
  private readonly controller = new AbortController();
  private readonly failures = new Map<Source, string>();
  private reportSamples: CounterSample[] = [];
  private eventSamples: CounterSample[] = [];
  private running: Promise<unknown> | undefined;

  constructor(private readonly options: AlertFeedOptions) {}

  /** Starts loading and reading; call once. */
  start(): void {
    if (this.running) throw new Error("the alert feed is already started");
    this.running = Promise.all([this.readAlerts(), this.pollStats()]);
  }

  /** Stops reading and polling; resolves once nothing touches the backends any more. */
  async stop(): Promise<void> {
    this.controller.abort();
    await this.running;
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): AlertFeedSnapshot => this.snapshot;

  private get signal(): AbortSignal {
    return this.controller.signal;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private update(change: Partial<AlertFeedSnapshot>): void {
    const [failed] = this.failures;
    const connection: ConnectionState = failed
      ? { status: "error", message: `${failed[0]}: ${failed[1]}` }
      : { status: "ok" };
    this.snapshot = { ...this.snapshot, connection, ...change };
    for (const listener of this.listeners) listener();
  }

  /**
   * Runs `step` until it succeeds or the feed stops, recording failures for the
   * header. Returns undefined only when stopped.
   */
  private async retrying<T>(source: Source, step: () => Promise<T>): Promise<T | undefined> {
    for (let attempt = 0; !this.signal.aborted; attempt++) {
      try {
        const result = await step();
        if (this.failures.delete(source)) this.update({});
        return result;
      } catch (error) {
        if (this.signal.aborted) return undefined;
        this.failures.set(source, error instanceof Error ? error.message : String(error));
        this.update({});
        await this.pause(Math.min(MAX_RETRY_DELAY_MS, 500 * 2 ** attempt));
      }
    }
    return undefined;
  }

  private async pause(ms: number): Promise<void> {
    await delay(ms, undefined, { signal: this.signal }).catch(() => {
      // Aborted: the loop that called us checks the signal and ends.
    });
  }

  private async readAlerts(): Promise<void> {
    // The reader opens before history loads, so nothing published in between is missed;
    // events already in the history are recognised by applyAlertEvents.
    const reader = await this.retrying("alerts topic", () =>
      openAlertEventReader(this.options.stream),
    );
    if (!reader) return;
    try {
      const history = await this.retrying("history", () =>
        this.options.store.listAlerts({ limit: this.options.historyLimit ?? 500 }),
      );
      if (!history) return;
      this.update({ alerts: newestFirst(history) });
      await this.applyEvents(reader);
    } finally {
      await reader.close();
    }
  }

  private async applyEvents(reader: Reader): Promise<void> {
    const max = this.options.maxAlerts ?? MAX_ALERTS_IN_MEMORY;
    while (!this.signal.aborted) {
      const batch = await this.retrying("alerts topic", () =>
        readAlertEvents(reader, { signal: this.signal }),
      );
      if (!batch || (batch.events.length === 0 && batch.unreadable === 0)) continue;
      const { stats, alerts } = this.snapshot;
      this.update({
        alerts: applyAlertEvents(alerts, batch.events, max),
        stats: {
          ...stats,
          eventsReceived: stats.eventsReceived + batch.events.length,
          unreadable: stats.unreadable + batch.unreadable,
        },
      });
    }
  }

  private async pollStats(): Promise<void> {
    const interval = this.options.statsIntervalMs ?? 1000;
    while (!this.signal.aborted) {
      const reports = await this.retrying("stats", () => this.options.stream.stats(Topics.reports));
      if (!reports) return;
      const at = this.now();
      const { stats } = this.snapshot;
      this.reportSamples = pushSample(this.reportSamples, { at, value: reports.published }, 0);
      this.eventSamples = pushSample(
        this.eventSamples,
        { at, value: stats.eventsReceived },
        ALERT_RATE_WINDOW_MS,
      );
      const eventsPerSecond = ratePerSecond(this.eventSamples, ALERT_RATE_WINDOW_MS);
      this.update({
        stats: {
          ...stats,
          reportsPerSecond: ratePerSecond(this.reportSamples, 0),
          alertsPerMinute: eventsPerSecond === null ? null : eventsPerSecond * 60,
          backlog: reports.subscriptions.map(({ name, backlog }) => ({ name, backlog })),
        },
      });
      await this.pause(interval);
    }
  }
}
