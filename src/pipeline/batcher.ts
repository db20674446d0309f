/**
 * Collects items and hands them to `flush` in batches: when `maxItems` are
 * waiting, or `lingerMs` after the first item of a batch arrived, whichever
 * comes first. Flushes run one at a time, in order; a failed flush fails the
 * next `add` or `close`, so an error is never lost.
 */
export class Batcher<T> {
  private items: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private failure: unknown;

  constructor(
    private readonly flush: (items: T[]) => Promise<void>,
    private readonly maxItems: number,
    private readonly lingerMs: number,
  ) {}

  /** Adds an item; waits for a flush only when the batch is full (backpressure). */
  async add(item: T): Promise<void> {
    this.throwIfFailed();
    this.items.push(item);
    if (this.items.length >= this.maxItems) {
      await this.flushNow();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.flushNow().catch(() => undefined);
      }, this.lingerMs);
    }
  }

  /** Flushes what is left and waits for every flush to finish. */
  async close(): Promise<void> {
    await this.flushNow();
    this.throwIfFailed();
  }

  private flushNow(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.items;
    this.items = [];
    if (batch.length > 0) {
      this.running = this.running.then(async () => {
        if (this.failure === undefined) {
          await this.flush(batch).catch((error: unknown) => {
            this.failure = error;
          });
        }
      });
    }
    return this.running.then(() => this.throwIfFailed());
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}
