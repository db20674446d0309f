import { setTimeout as delay } from "node:timers/promises";
import type { Store } from "../../backends/store/types.js";
import type { Stream } from "../../backends/stream/types.js";
import { openAlertEventReader, readAlertEvents } from "../alert-events.js";
import { alertMarkers, mapViewAround } from "./chart-data.js";
import { DEFAULT_DASHBOARD_QUERY, loadDashboardData } from "./dashboard-data.js";
import { createDashboardScreen, type DashboardScreen } from "./dashboard-screen.js";
import { EventRateSeries } from "./event-rate.js";

export interface DashboardOptions {
  stream: Stream;
  store: Store;
  refreshMs: number;
  /** Ends the dashboard as `q` does. */
  signal?: AbortSignal;
  now?: () => number;
}

/** Intervals the alert rate sparkline keeps. */
const RATE_HISTORY = 120;

/**
 * Runs `pw dashboard` until the operator quits or the signal fires: reads the
 * store every `refreshMs`, counts alert events from the alerts topic in
 * between, and draws both. The first read happens before the screen is taken,
 * so a store that cannot be read fails with a plain error message. Later
 * failures show on the status line and the next refresh tries again.
 */
export async function runDashboard(options: DashboardOptions): Promise<void> {
  const { store, refreshMs } = options;
  const now = options.now ?? Date.now;
  const query = () => ({ ...DEFAULT_DASHBOARD_QUERY, now: now() });
  const first = await loadDashboardData(store, query());
  const reader = await openAlertEventReader(options.stream);
  const stop = new AbortController();
  const abort = () => stop.abort();
  options.signal?.addEventListener("abort", abort, { once: true });

  const screen = createDashboardScreen({
    // The map keeps the area of the alerts it starts with: a map that zooms on each refresh is hard to read.
    view: mapViewAround(alertMarkers(first.recentAlerts)),
    refreshMs,
    trendLabel: "last 6h, 10 min steps",
  });
  screen.onQuit(abort);
  const rate = new EventRateSeries(RATE_HISTORY);
  const counting = countAlertEvents(reader, rate, screen, stop.signal);
  try {
    screen.show(first, rate.values());
    screen.showStatus(`updated ${clock(now())}`, "info");
    while (!stop.signal.aborted) {
      await delay(refreshMs, undefined, { signal: stop.signal }).catch(() => {
        // Quitting during the wait: the loop ends.
      });
      if (stop.signal.aborted) break;
      const alertRate = rate.tick();
      try {
        screen.show(await loadDashboardData(store, query()), alertRate);
        screen.showStatus(`updated ${clock(now())}`, "info");
      } catch (error) {
        screen.showStatus(`store: ${message(error)} (retrying)`, "error");
      }
    }
  } finally {
    stop.abort();
    options.signal?.removeEventListener("abort", abort);
    screen.destroy();
    await counting;
    await reader.close();
  }
}

/** Counts alert events for the rate sparkline until stopped; failures show on the status line. */
async function countAlertEvents(
  reader: Awaited<ReturnType<typeof openAlertEventReader>>,
  rate: EventRateSeries,
  screen: DashboardScreen,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    try {
      const batch = await readAlertEvents(reader, { signal, timeoutMs: 1000 });
      rate.count(batch.events.length);
    } catch (error) {
      if (signal.aborted) return;
      screen.showStatus(`alerts topic: ${message(error)} (retrying)`, "error");
      await delay(1000, undefined, { signal }).catch(() => {
        // Quitting during the wait: the loop ends.
      });
    }
  }
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
