/**
 * Acknowledgements this client sent in the last few seconds, per topic and
 * subscription. The WebSocket API does not confirm acks and the broker's
 * client groups them (about 100 ms), so `stats` uses this to wait until the
 * cursor shows them: a backlog read right after `ack` then includes the ack.
 * Older entries are dropped: by then they are applied (or their connection is
 * gone and the messages will be redelivered).
 */
export class RecentAcks {
  private entries: Array<{
    at: number;
    topic: string;
    subscription: string;
    ids: readonly string[];
  }> = [];

  constructor(
    private readonly keepMs = 3_000,
    private readonly now: () => number = Date.now,
  ) {}

  record(topic: string, subscription: string, ids: readonly string[]): void {
    if (ids.length === 0) return;
    this.prune();
    this.entries.push({ at: this.now(), topic, subscription, ids });
  }

  /** Message ids recently acked on `topic`, by subscription. */
  pending(topic: string): Map<string, string[]> {
    this.prune();
    const bySubscription = new Map<string, string[]>();
    for (const entry of this.entries) {
      if (entry.topic !== topic) continue;
      const ids = bySubscription.get(entry.subscription) ?? [];
      ids.push(...entry.ids);
      bySubscription.set(entry.subscription, ids);
    }
    return bySubscription;
  }

  /** Forgets the acks on `topic` recorded up to `until` (they were confirmed, or waited for long enough). */
  forget(topic: string, until: number): void {
    this.entries = this.entries.filter((e) => e.topic !== topic || e.at > until);
  }

  private prune(): void {
    const cutoff = this.now() - this.keepMs;
    let drop = 0;
    while (drop < this.entries.length && (this.entries[drop]?.at ?? 0) < cutoff) drop++;
    if (drop > 0) this.entries = this.entries.slice(drop);
  }
}
