import type { Message, ReceiveOptions } from "../types.js";

/**
 * Messages pushed by the server and not yet taken by the application, with
 * waiters that wake the moment one arrives (no polling).
 */
export class MessageBuffer {
  private messages: Message[] = [];
  private readonly waiters = new Set<() => void>();

  get size(): number {
    return this.messages.length;
  }

  push(message: Message): void {
    this.messages.push(message);
    this.wake();
  }

  /** Drops everything: used when the connection that delivered them is gone. */
  clear(): void {
    this.messages = [];
  }

  /** Wakes every waiter, e.g. on close. */
  wake(): void {
    for (const wake of [...this.waiters]) wake();
  }

  /**
   * Resolves with up to `maxMessages` as soon as any are buffered; [] after
   * `timeoutMs`, on abort, or when `isClosed()` turns true.
   */
  async take(
    { maxMessages, timeoutMs, signal }: ReceiveOptions,
    isClosed: () => boolean,
  ): Promise<Message[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (isClosed() || signal?.aborted) return [];
      if (this.messages.length > 0) return this.messages.splice(0, Math.max(1, maxMessages));
      const remaining = deadline - Date.now();
      if (remaining <= 0) return [];
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", done);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, remaining);
        signal?.addEventListener("abort", done, { once: true });
        this.waiters.add(done);
      });
    }
  }
}
