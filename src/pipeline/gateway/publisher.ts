import type { OutgoingMessage, Producer } from "../../backends/stream/types.js";
import { PwError } from "../../domain/errors.js";

/**
 * Why the gateway could not hand reports to the stream, as the HTTP status the
 * client gets: 429 when the stream pushes back (busy, or too much already
 * waiting for it), 503 when it is down. Both tell the client when to retry.
 */
export class StreamRefusalError extends PwError {
  constructor(
    readonly status: 429 | 503,
    message: string,
    readonly retryAfterS: number,
    cause?: unknown,
  ) {
    super(message, {
      code: status === 429 ? "STREAM_BUSY" : "STREAM_DOWN",
      exitCode: 4,
      retriable: true,
      cause,
    });
  }
}

export type StreamState = "connecting" | "up" | "down";

/**
 * Whether the stream is usable, as a small circuit breaker: "connecting" until
 * the producers exist; "down" after a publish failed for a reason other than
 * back-pressure, refusing requests for a backoff that doubles (1 s up to 30 s)
 * with each failure in a row; once the backoff is over requests go through
 * again, and the first success makes it "up".
 */
export class StreamHealth {
  private current: StreamState = "connecting";
  private why = "connecting to the stream";
  private retryAt = 0;
  private failuresInARow = 0;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly backoff = { firstMs: 1000, maxMs: 30_000 },
  ) {}

  get state(): StreamState {
    return this.current;
  }

  /** Why the stream is not usable; empty when it is. */
  get reason(): string {
    return this.current === "up" ? "" : this.why;
  }

  /** The producers could not be created yet. */
  connectFailed(reason: string): void {
    this.current = "connecting";
    this.why = reason;
  }

  markUp(): void {
    this.current = "up";
    this.why = "";
    this.failuresInARow = 0;
  }

  markDown(reason: string): void {
    if (this.current === "connecting") return; // the connector owns that state
    this.current = "down";
    this.why = reason;
    const wait = Math.min(this.backoff.maxMs, this.backoff.firstMs * 2 ** this.failuresInARow);
    this.failuresInARow++;
    this.retryAt = this.now() + wait;
  }

  /** Null when a request may go to the stream now, else the refusal to answer with. */
  refusal(): StreamRefusalError | null {
    if (this.current === "up") return null;
    if (this.current === "down") {
      const left = this.retryAt - this.now();
      if (left <= 0) return null; // half-open: the next publishes tell whether it is back
      return new StreamRefusalError(
        503,
        `the stream is unavailable: ${this.why}`,
        Math.ceil(left / 1000),
      );
    }
    return new StreamRefusalError(503, `the stream is not reachable yet: ${this.why}`, 5);
  }
}

interface Pending {
  messages: readonly OutgoingMessage[];
  /** True once part of a sendBatch: it can no longer be taken back. */
  sent: boolean;
  settled: boolean;
  timer: NodeJS.Timeout;
  resolve: () => void;
  reject: (error: Error) => void;
}

export interface StreamPublisherOptions {
  /** Most messages in one sendBatch. */
  maxBatch?: number;
  /** A publish not acknowledged within this fails with 503 (the stream may still store it later). */
  timeoutMs: number;
}

/**
 * Publishes the messages of many concurrent requests through one producer,
 * group-commit style: whatever arrived while a sendBatch was under way goes in
 * the next one, so a busy gateway makes few large stream transactions instead
 * of many small ones. Each `publish` resolves only once the stream acknowledged
 * all of its messages.
 */
export class StreamPublisher {
  private readonly queue: Pending[] = [];
  private waiting = 0;
  private flushing = false;
  private scheduled = false;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(
    private readonly producer: Producer,
    private readonly health: StreamHealth,
    private readonly options: StreamPublisherOptions,
  ) {}

  /** Messages published but not yet acknowledged (or failed) by the stream. */
  get inFlight(): number {
    return this.waiting;
  }

  publish(messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const pending: Pending = {
        messages,
        sent: false,
        settled: false,
        resolve,
        reject,
        timer: setTimeout(() => this.expire(pending), this.options.timeoutMs),
      };
      this.queue.push(pending);
      this.waiting += messages.length;
      this.schedule();
    });
  }

  /** Resolves once nothing is waiting for the stream. */
  async idle(): Promise<void> {
    if (this.waiting === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    await this.idle();
    await this.producer.close();
  }

  private schedule(): void {
    if (this.flushing || this.scheduled) return;
    this.scheduled = true;
    // setImmediate, not a microtask: requests read in the same event-loop turn join this batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    const maxBatch = this.options.maxBatch ?? 5000;
    while (this.queue.length > 0) {
      const batch: Pending[] = [];
      let count = 0;
      while (this.queue.length > 0) {
        const next = this.queue[0] as Pending;
        if (batch.length > 0 && count + next.messages.length > maxBatch) break;
        this.queue.shift();
        next.sent = true;
        batch.push(next);
        count += next.messages.length;
      }
      try {
        await this.producer.sendBatch(batch.flatMap((p) => p.messages));
        this.health.markUp();
        for (const p of batch) this.settle(p, null);
      } catch (error) {
        const refusal = classify(error);
        if (refusal.status === 503) this.health.markDown(refusal.message);
        for (const p of batch) this.settle(p, refusal);
      } finally {
        this.release(count);
      }
    }
    this.flushing = false;
  }

  private expire(pending: Pending): void {
    if (pending.settled) return;
    const seconds = this.options.timeoutMs / 1000;
    if (!pending.sent) {
      // Still queued behind a stuck send: take it back, nothing of it reached the stream.
      this.queue.splice(this.queue.indexOf(pending), 1);
      this.release(pending.messages.length);
    }
    const reason = `the stream did not acknowledge within ${seconds} s`;
    this.health.markDown(reason);
    this.settle(pending, new StreamRefusalError(503, reason, Math.max(1, Math.ceil(seconds))));
  }

  private settle(pending: Pending, error: Error | null): void {
    if (pending.settled) return;
    pending.settled = true;
    clearTimeout(pending.timer);
    if (error) pending.reject(error);
    else pending.resolve();
  }

  private release(count: number): void {
    this.waiting -= count;
    if (this.waiting === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }
}

/** Back-pressure (a retriable backend error) is 429; anything else means the stream is down: 503. */
function classify(error: unknown): StreamRefusalError {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof PwError && error.retriable) {
    return new StreamRefusalError(429, `the stream is busy: ${message}`, 1, error);
  }
  return new StreamRefusalError(503, `the stream failed: ${message}`, 5, error);
}
