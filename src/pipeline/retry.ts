import { PwError } from "../domain/errors.js";

export interface RetryOptions {
  /** Once aborted, a failure is thrown instead of retried (and a wait ends early). */
  signal?: AbortSignal | undefined;
  /** Told before each wait: the failure, the wait, and the number of the attempt that failed. */
  onRetry?: ((error: PwError, delayMs: number, attempt: number) => void) | undefined;
  /** First wait; it doubles after each failure, up to `maxMs`. */
  initialMs?: number;
  maxMs?: number;
  /** Gives up (throws the last failure) rather than try again after this long; default never. */
  giveUpAfterMs?: number;
  now?: () => number;
  random?: () => number;
  sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
}

/** A retry notice for stderr: what failed, and when the next attempt is. */
export function describeRetry(what: string, error: PwError, delayMs: number): string {
  return `${what}: ${error.message}; trying again in ${(delayMs / 1000).toFixed(1)} s`;
}

/**
 * Runs `operation` until it succeeds, waiting with capped exponential backoff
 * (and jitter) after each failure that says it is retriable: a backend that is
 * restarting, unreachable or overloaded. A consumer thereby outlives a restart
 * of its store or broker instead of exiting; messages stay unacked meanwhile.
 * Any other failure, any failure once `signal` is aborted (shutdown), and the
 * failure after `giveUpAfterMs` are thrown.
 */
export async function retryRetriable<T>(
  operation: () => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const initialMs = options.initialMs ?? 250;
  const maxMs = options.maxMs ?? 10_000;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? abortableSleep;
  const now = options.now ?? Date.now;
  const giveUpAt = now() + (options.giveUpAfterMs ?? Number.POSITIVE_INFINITY);
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!(error instanceof PwError) || !error.retriable || options.signal?.aborted) throw error;
      const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 30));
      const delayMs = Math.round(ceiling * (0.5 + random() / 2));
      if (now() + delayMs > giveUpAt) throw error;
      options.onRetry?.(error, delayMs, attempt);
      await sleep(delayMs, options.signal);
      if (options.signal?.aborted) throw error;
    }
  }
}

function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
