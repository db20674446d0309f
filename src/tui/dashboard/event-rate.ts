/**
 * Counts events per refresh interval for a sparkline: events are counted as
 * they arrive, and each tick closes the current interval.
 */
export class EventRateSeries {
  private current = 0;
  private readonly closed: number[] = [];

  /** @param length how many intervals the series keeps. */
  constructor(private readonly length: number) {}

  count(events: number): void {
    this.current += events;
  }

  /** Closes the current interval; returns the series, oldest first. */
  tick(): readonly number[] {
    this.closed.push(this.current);
    this.current = 0;
    if (this.closed.length > this.length) this.closed.shift();
    return this.values();
  }

  /** Closed intervals, oldest first. */
  values(): readonly number[] {
    return this.closed;
  }
}
