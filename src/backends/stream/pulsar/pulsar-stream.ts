import { setTimeout as sleep } from "node:timers/promises";
import { UsageError } from "../../../domain/errors.js";
import type {
  Consumer,
  Producer,
  ProducerOptions,
  Reader,
  ReaderOptions,
  Stream,
  SubscribeOptions,
  SubscriptionType,
  TopicStats,
} from "../types.js";
import { PulsarAdmin } from "./admin-client.js";
import { isAcknowledged, parseCursorState } from "./cursor-state.js";
import {
  comparePositions,
  decodeMessageId,
  encodeMessageId,
  type Position,
  positionBefore,
} from "./message-id.js";
import {
  checkTopicName,
  describePulsar,
  type PulsarConfig,
  type PulsarConfigInput,
  parsePulsarConfig,
} from "./pulsar-config.js";
import { PulsarConsumer } from "./pulsar-consumer.js";
import { PulsarProducer } from "./pulsar-producer.js";
import { PulsarReader, type ReaderStartPosition } from "./pulsar-reader.js";
import { RecentAcks } from "./recent-acks.js";
import { toTopicStats } from "./topic-stats.js";

/** `url` is `pulsar://HOST:6650` or `pulsar+ssl://HOST:6651`; the rest comes from PW_PULSAR_* in `env`. */
export type PulsarStreamOptions = PulsarConfigInput;

/** How long `stats` waits for this client's recent acks to show in the cursor. */
const ACK_SETTLE_MS = 3_000;
const ACK_SETTLE_POLL_MS = 50;

/**
 * Creates the Pulsar stream: produce, consume and read through Pulsar's
 * WebSocket API, topics, subscriptions and stats through its admin REST API.
 * The options are checked here (a UsageError names the bad setting); nothing
 * connects until the stream is used.
 */
export function createPulsarStream(options: PulsarStreamOptions): Stream {
  return new PulsarStream(parsePulsarConfig(options));
}

class PulsarStream implements Stream {
  readonly description: string;
  private readonly admin: PulsarAdmin;
  private readonly open = new Set<{ close(): Promise<void> }>();
  private readonly recentAcks = new RecentAcks();
  private readonly subscriptionTypes = new Map<string, Map<string, SubscriptionType>>();
  private deduplication: Promise<void> | undefined;

  constructor(private readonly config: PulsarConfig) {
    this.description = describePulsar(config);
    this.admin = new PulsarAdmin(config);
  }

  async createProducer({ topic, producerName }: ProducerOptions): Promise<Producer> {
    checkTopicName(topic);
    await this.ensureDeduplication();
    const producer: Producer = await PulsarProducer.create({
      config: this.config,
      topic,
      producerName,
      onClose: () => this.open.delete(producer),
    });
    return this.track(producer);
  }

  async subscribe(options: SubscribeOptions): Promise<Consumer> {
    checkTopicName(options.topic);
    if (!options.subscription) throw new UsageError("a subscription needs a name");
    await this.admin.createSubscription(
      options.topic,
      options.subscription,
      options.initialPosition === "Latest" ? "latest" : "earliest",
    );
    const types = this.subscriptionTypes.get(options.topic) ?? new Map<string, SubscriptionType>();
    types.set(options.subscription, options.type);
    this.subscriptionTypes.set(options.topic, types);
    const consumer: Consumer = await PulsarConsumer.create({
      config: this.config,
      subscribe: options,
      priorityLevel:
        options.type === "Failover"
          ? await this.nextFailoverPriority(options.topic, options.subscription)
          : undefined,
      onAck: (ids) => this.recentAcks.record(options.topic, options.subscription, ids),
      onClose: () => this.open.delete(consumer),
    });
    return this.track(consumer);
  }

  async createReader({ topic, start }: ReaderOptions): Promise<Reader> {
    checkTopicName(topic);
    const reader: Reader = await PulsarReader.create({
      config: this.config,
      topic,
      start: await this.readerStart(topic, start),
      onClose: () => this.open.delete(reader),
    });
    return this.track(reader);
  }

  async stats(topic: string): Promise<TopicStats> {
    checkTopicName(topic);
    await this.settleRecentAcks(topic);
    const [stats, internal] = await Promise.all([
      this.admin.topicStats(topic),
      this.admin.internalStats(topic),
    ]);
    return toTopicStats(topic, stats, internal, this.subscriptionTypes.get(topic));
  }

  async close(): Promise<void> {
    for (const handle of [...this.open]) await handle.close();
  }

  private track<T extends { close(): Promise<void> }>(handle: T): T {
    this.open.add(handle);
    return handle;
  }

  /**
   * Pulsar 3.0 picks the active consumer of a Failover subscription on a
   * non-partitioned topic by hashing the topic name over the consumers with the
   * best priority, not by arrival. Giving each new consumer a priority level
   * number one above those already there (a lower priority) makes the earliest
   * remaining consumer the active one, and the next in line take over, as pw
   * expects. Two consumers joining at the same instant may get the same level;
   * the broker's hash then decides between them.
   */
  private async nextFailoverPriority(topic: string, subscription: string): Promise<number> {
    const consumers =
      (await this.admin.topicStats(topic))?.subscriptions[subscription]?.consumers ?? [];
    return consumers.reduce((next, c) => Math.max(next, (c.priorityLevel ?? 0) + 1), 0);
  }

  /** Once per stream; a failure is retried on the next use. */
  private ensureDeduplication(): Promise<void> {
    this.deduplication ??= this.admin.ensureDeduplication().catch((error: unknown) => {
      this.deduplication = undefined;
      throw error;
    });
    return this.deduplication;
  }

  /**
   * Resolves a reader's start to an explicit position where possible, so a
   * reconnect before the first read cannot skip what was published meanwhile,
   * and notes the topic's last message for `read`'s catch-up.
   */
  private async readerStart(
    topic: string,
    start: ReaderOptions["start"],
  ): Promise<ReaderStartPosition> {
    const found = await this.admin.lastPosition(topic);
    // An entry id below 0 is an empty ledger: nothing to catch up to.
    const last = found && found.entryId >= 0 ? found : undefined;
    const catchUpAfter = (after: Position | undefined) =>
      last && (!after || comparePositions(after, last) < 0) ? { catchUpTo: last } : {};
    if (start === "earliest") return { messageId: "earliest", ...catchUpAfter(undefined) };
    if (start === "latest") {
      return { messageId: found ? encodeMessageId(found) : "earliest" };
    }
    if ("messageId" in start) {
      let after: Position;
      try {
        after = decodeMessageId(start.messageId);
      } catch {
        throw new UsageError(`"${start.messageId}" is not a Pulsar message id`);
      }
      return { messageId: start.messageId, ...catchUpAfter(after) };
    }
    const first = await this.admin.positionAtTime(topic, start.time);
    const after = first ? positionBefore(first) : undefined;
    return {
      messageId: after ? encodeMessageId(after) : "earliest",
      minPublishTime: start.time,
      ...catchUpAfter(after),
    };
  }

  /** Waits (bounded) until the cursors of `topic` show the acks this client sent recently. */
  private async settleRecentAcks(topic: string): Promise<void> {
    const started = Date.now();
    const pending = new Map<string, Position[]>();
    for (const [subscription, ids] of this.recentAcks.pending(topic)) {
      pending.set(
        subscription,
        ids.flatMap((id) => decodeOrSkip(id)),
      );
    }
    if (pending.size === 0) return;
    while (Date.now() - started < ACK_SETTLE_MS) {
      const internal = await this.admin.internalStats(topic);
      const unsettled = [...pending].some(([subscription, positions]) => {
        const cursor = internal?.cursors[subscription];
        if (!cursor) return false;
        const state = parseCursorState(cursor);
        return positions.some((p) => !isAcknowledged(state, p));
      });
      if (!unsettled) break;
      await sleep(ACK_SETTLE_POLL_MS);
    }
    this.recentAcks.forget(topic, started);
  }
}

function decodeOrSkip(id: string): Position[] {
  try {
    return [decodeMessageId(id)];
  } catch {
    return [];
  }
}
