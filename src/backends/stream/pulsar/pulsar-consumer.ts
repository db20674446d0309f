import type { Consumer, Message, ReceiveOptions, SubscribeOptions } from "../types.js";
import { defaultDeadLetterTopic } from "../types.js";
import { MessageBuffer } from "./message-buffer.js";
import { fullTopicName, type PulsarConfig, topicPath } from "./pulsar-config.js";
import { ReconnectingSocket } from "./reconnecting-socket.js";
import { ackFrame, deliveredFrame, nackFrame, permitFrame, toMessage } from "./wire-message.js";

/**
 * Messages the proxy may push ahead of `receive`. Larger than the proxy's own
 * broker-side queue (capped at 1000 by the WebSocket API) so that a consumer
 * busy writing a big batch keeps receiving meanwhile.
 */
const PREFETCH = 5000;
const RECEIVER_QUEUE_SIZE = 1000;
/** Permits are returned in lots of this many: one frame per `receive` would cost a syscall each. */
const PERMIT_LOT = 500;

/**
 * How long an acked id is remembered: a copy of it the broker redelivers after a
 * reconnect (the ack crossed the connection loss) is then acked again instead of
 * being handed out twice. Bounded in count too, for consumers that ack a lot.
 */
const ACKED_MEMORY_MS = 30_000;
const ACKED_MEMORY_MAX = 200_000;

/** Called with the ids this consumer acked, so the stream can wait for the cursor to show them. */
export type AckListener = (ids: readonly string[]) => void;

/**
 * A consumer of a durable subscription over the WebSocket API, in pull mode:
 * the driver grants the server permits for what `receive` took, so flow control
 * follows consumption and not acks (in push mode the proxy stops after 1000
 * unacked messages, which would stall a consumer that acks in big batches).
 *
 * On a lost connection the buffered (not yet received) messages are dropped:
 * the broker redelivers everything unacked once the old consumer is gone. Ids
 * the application still holds are remembered, so a redelivered copy of one is
 * not handed out twice, and its ack or nack - sent on whichever connection is
 * up - still applies, once.
 *
 * Acks never wait for a connection (a broker restart can take longer than any
 * sensible timeout, and a consumer must not die of it): made while the
 * connection is down, they are sent as soon as it is back, as Pulsar's own
 * client does. An ack lost with a connection only causes a redelivery, which
 * the remembered ids above (or the application's idempotence) absorb.
 */
export class PulsarConsumer implements Consumer {
  readonly topic: string;
  readonly subscription: string;
  private readonly socket: ReconnectingSocket;
  private readonly buffer = new MessageBuffer();
  /** Received by the application, not yet acked or nacked. */
  private readonly handedOut = new Set<string>();
  /** Acked lately, with when: insertion order is time order. */
  private readonly recentlyAcked = new Map<string, number>();
  /** Acked by the application while there was no connection: sent on the next one. */
  private readonly unsentAcks = new Set<string>();
  /** Messages taken from (or skipped by) the current connection whose permits are not returned yet. */
  private owedPermits = 0;
  private closed = false;

  private constructor(
    private readonly config: PulsarConfig,
    private readonly options: SubscribeOptions,
    private readonly priorityLevel: number | undefined,
    private readonly onAck: AckListener,
    private readonly onClose: () => void,
  ) {
    this.topic = options.topic;
    this.subscription = options.subscription;
    this.socket = new ReconnectingSocket({
      label: `consumer ${options.subscription} on ${options.topic}`,
      config,
      url: () => this.url(),
      handlers: {
        onOpen: () => {
          this.buffer.clear();
          this.owedPermits = 0;
          this.sendUnsentAcks();
          this.socket.trySend(permitFrame(PREFETCH));
        },
        onFrame: (data) => this.onDelivery(data),
        onDown: () => this.buffer.clear(),
      },
    });
  }

  /** Connects to an existing subscription (the stream creates it at the right position first). */
  static async create(options: {
    config: PulsarConfig;
    subscribe: SubscribeOptions;
    /** Lower is preferred; the stream sets it for Failover (see PulsarStream.subscribe). */
    priorityLevel: number | undefined;
    onAck: AckListener;
    onClose: () => void;
  }): Promise<PulsarConsumer> {
    const consumer = new PulsarConsumer(
      options.config,
      options.subscribe,
      options.priorityLevel,
      options.onAck,
      options.onClose,
    );
    await consumer.socket.connect();
    return consumer;
  }

  async receive(options: ReceiveOptions): Promise<Message[]> {
    const messages = await this.buffer.take(options, () => this.closed);
    for (const m of messages) this.handedOut.add(m.id);
    this.returnPermits(messages.length);
    return messages;
  }

  async ack(messages: readonly Message[]): Promise<void> {
    const ids = this.release(messages);
    this.rememberAcked(ids);
    for (const id of ids) this.unsentAcks.add(id);
    this.sendUnsentAcks();
    this.onAck(ids);
  }

  async nack(messages: readonly Message[]): Promise<void> {
    const ids = this.release(messages);
    // Without a connection there is nothing to send: the broker redelivers every
    // unacked message on the next one anyway.
    this.socket.corked(() => {
      for (const id of ids) this.socket.trySend(nackFrame(id));
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    this.buffer.wake();
    await this.socket.close();
  }

  /** Sends the acks not sent yet if connected; otherwise `onOpen` does, on the next connection. */
  private sendUnsentAcks(): void {
    if (this.unsentAcks.size === 0 || !this.socket.isOpen) return;
    this.socket.corked(() => {
      for (const id of this.unsentAcks) this.socket.trySend(ackFrame(id));
    });
    this.unsentAcks.clear();
  }

  /** Ids the application held and now gives back; a second ack of the same message sends nothing. */
  private release(messages: readonly Message[]): string[] {
    return messages.filter((m) => this.handedOut.delete(m.id)).map((m) => m.id);
  }

  private onDelivery(data: string): void {
    const frame = deliveredFrame(data);
    if (!frame) return;
    const id = frame.messageId;
    if (this.handedOut.has(id) || this.recentlyAcked.has(id)) {
      // Redelivered after a reconnect while the application still works on it,
      // or its ack crossed the reconnect: not handed out twice.
      if (this.recentlyAcked.has(id)) this.socket.trySend(ackFrame(id));
      this.returnPermits(1);
      return;
    }
    this.buffer.push(toMessage(this.topic, frame));
  }

  /** Gives the server back credit for `count` messages, in lots (the window stays at least PREFETCH - PERMIT_LOT). */
  private returnPermits(count: number): void {
    this.owedPermits += count;
    if (this.owedPermits < PERMIT_LOT) return;
    if (this.socket.trySend(permitFrame(this.owedPermits))) this.owedPermits = 0;
  }

  private rememberAcked(ids: readonly string[]): void {
    const now = Date.now();
    for (const id of ids) {
      this.recentlyAcked.delete(id); // re-inserted at the end: the map stays in time order
      this.recentlyAcked.set(id, now);
    }
    const cutoff = now - ACKED_MEMORY_MS;
    for (const [id, at] of this.recentlyAcked) {
      if (at >= cutoff && this.recentlyAcked.size <= ACKED_MEMORY_MAX) break;
      this.recentlyAcked.delete(id);
    }
  }

  private url(): string {
    const o = this.options;
    const params = new URLSearchParams({
      subscriptionType: o.type,
      pullMode: "true",
      receiverQueueSize: String(RECEIVER_QUEUE_SIZE),
      negativeAckRedeliveryDelay: String(o.nackRedeliveryDelayMs ?? 1000),
    });
    if (o.consumerName) params.set("consumerName", o.consumerName);
    if (this.priorityLevel !== undefined) params.set("priorityLevel", String(this.priorityLevel));
    if (o.deadLetter) {
      params.set("maxRedeliverCount", String(o.deadLetter.maxRedeliverCount));
      params.set(
        "deadLetterTopic",
        fullTopicName(
          this.config,
          o.deadLetter.topic ?? defaultDeadLetterTopic(o.topic, o.subscription),
        ),
      );
    }
    return `consumer/${topicPath(this.config, o.topic)}/${encodeURIComponent(o.subscription)}?${params}`;
  }
}
