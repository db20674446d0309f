import { setTimeout as sleep } from "node:timers/promises";
import type { Report } from "../domain/report.js";
import type { Simulation } from "../domain/simulation/simulation.js";

export interface FeedOptions {
  /** Stop after this many reports; endless when undefined. */
  count?: number;
  /** Emit at most this many reports per second of wall time; as fast as possible when undefined. */
  ratePerSecond?: number;
  signal?: AbortSignal;
  now?: () => number;
}

/**
 * Yields simulated reports in batches, paced against the wall clock when a rate
 * is given: report k is due at start + k / rate, so a slow consumer makes the
 * feed catch up instead of drifting.
 */
export async function* simulatedFeed(
  simulation: Simulation,
  options: FeedOptions,
): AsyncGenerator<Report[]> {
  const now = options.now ?? Date.now;
  const started = now();
  const count = options.count ?? Number.POSITIVE_INFINITY;
  const rate = options.ratePerSecond;
  let emitted = 0;
  while (emitted < count && !options.signal?.aborted) {
    let due = count - emitted;
    if (rate !== undefined) {
      const elapsed = (now() - started) / 1000;
      due = Math.min(due, Math.floor(elapsed * rate) - emitted);
      if (due <= 0) {
        const waitMs = ((emitted + 1) / rate) * 1000 - (now() - started);
        await sleep(Math.max(1, Math.min(waitMs, 100)));
        continue;
      }
    }
    const batch: Report[] = [];
    for (let i = 0; i < Math.min(due, 1000); i++) batch.push(simulation.next());
    emitted += batch.length;
    yield batch;
  }
}
