import type { AlertEvent } from "../domain/alert.js";

/** Somewhere alerts are delivered to. `deliver` throws a DeliveryError when it did not get through. */
export interface NotificationTarget {
  /** Printable name: never holds a secret (webhook URLs are redacted). */
  readonly name: string;
  deliver(event: AlertEvent): Promise<void>;
}

export class DeliveryError extends Error {
  constructor(
    message: string,
    /** False when trying again cannot help (e.g. HTTP 400/404). */
    readonly retriable: boolean,
  ) {
    super(message);
  }
}

/** What is recorded when a notification could not be delivered. */
export interface FailedDelivery {
  target: string;
  alertId: string;
  event: AlertEvent["event"];
  error: string;
  attempts: number;
  at: string;
}

export interface NotifierOptions {
  targets: readonly NotificationTarget[];
  /** Recorded failures (e.g. published to a dead-letter topic). */
  onFailure: (failure: FailedDelivery) => void | Promise<void>;
  /** Deliveries waiting per target; past this the oldest is dropped and recorded as failed. */
  queueLimit?: number;
  maxAttempts?: number;
  /** First retry delay; doubles each attempt. */
  retryDelayMs?: number;
  now?: () => number;
}

interface Pending {
  event: AlertEvent;
  attempts: number;
}

/**
 * Delivers alert events to every target in the background. `notify` only
 * enqueues, so a slow or dead webhook never delays alert detection. Each target
 * has its own bounded queue and delivers in order, retrying with backoff; what
 * cannot be delivered is handed to `onFailure`, never dropped silently.
 */
export class Notifier {
  private readonly queues: Map<NotificationTarget, Pending[]>;
  private readonly running = new Map<NotificationTarget, Promise<void>>();
  private readonly queueLimit: number;
  private readonly maxAttempts: number;
  private readonly retryDelayMs: number;
  private readonly now: () => number;
  private closing = false;

  constructor(private readonly options: NotifierOptions) {
    this.queues = new Map(options.targets.map((t) => [t, []]));
    this.queueLimit = options.queueLimit ?? 1000;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.retryDelayMs = options.retryDelayMs ?? 500;
    this.now = options.now ?? Date.now;
  }

  notify(event: AlertEvent): void {
    for (const [target, queue] of this.queues) {
      if (queue.length >= this.queueLimit) {
        const dropped = queue.shift()!;
        void this.fail(
          target,
          dropped,
          `queue full (${this.queueLimit} waiting): dropped the oldest`,
        );
      }
      queue.push({ event, attempts: 0 });
      if (!this.running.has(target)) this.drain(target);
    }
  }

  /** Waits (at most `timeoutMs`) for queued deliveries; what is left is recorded as failed. */
  async close(timeoutMs = 5000): Promise<void> {
    this.closing = true;
    const idle = Promise.all(this.running.values());
    await Promise.race([idle, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
    for (const [target, queue] of this.queues) {
      for (const left of queue.splice(0))
        await this.fail(target, left, "not delivered before shutdown");
    }
  }

  private drain(target: NotificationTarget): void {
    const queue = this.queues.get(target)!;
    const run = (async () => {
      while (queue.length > 0) {
        const next = queue[0]!;
        next.attempts++;
        try {
          await target.deliver(next.event);
          queue.shift();
        } catch (error) {
          const retriable = !(error instanceof DeliveryError) || error.retriable;
          if (!retriable || next.attempts >= this.maxAttempts || this.closing) {
            queue.shift();
            await this.fail(target, next, (error as Error).message);
          } else {
            await new Promise((resolve) =>
              setTimeout(resolve, this.retryDelayMs * 2 ** (next.attempts - 1)),
            );
          }
        }
      }
    })().finally(() => this.running.delete(target));
    this.running.set(target, run);
  }

  private async fail(target: NotificationTarget, pending: Pending, error: string): Promise<void> {
    await this.options.onFailure({
      target: target.name,
      alertId: pending.event.alert.alertId,
      event: pending.event.event,
      error,
      attempts: pending.attempts,
      at: new Date(this.now()).toISOString(),
    });
  }
}
