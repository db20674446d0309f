import { hostname } from "node:os";
import { BackendError } from "../../../domain/errors.js";
import type { MessageId, OutgoingMessage, Producer } from "../types.js";
import { type PulsarConfig, topicPath } from "./pulsar-config.js";
import { ReconnectingSocket } from "./reconnecting-socket.js";
import { type ProducerReceipt, parseFrame, producerFrame } from "./wire-message.js";

interface PendingSend {
  sequenceId: number;
  frame: string;
  enqueuedAt: number;
  resolve: (id: MessageId) => void;
  reject: (error: Error) => void;
}

/** Sends not yet acknowledged by the broker, per producer: bounds memory while disconnected. */
const MAX_IN_FLIGHT = 5_000;

/**
 * A producer over the WebSocket API.
 *
 * Deduplication across reconnects: Pulsar 3.0's WebSocket producer ignores a
 * per-message sequenceId, but its broker-side producer numbers the frames it
 * receives consecutively from `initialSequenceId + 1`. So the driver keeps its
 * own numbering in step: every (re)connect passes `initialSequenceId` = (oldest
 * unacknowledged sequence id - 1) and resends the unacknowledged frames in
 * order, which therefore get their original sequence ids, and the broker (with
 * deduplication on, and a stable producerName) drops the ones it already
 * persisted. Sequence ids start at the wall clock in microseconds, so a later
 * process reusing a producerName always numbers above an earlier one.
 *
 * A resend the broker dropped as a duplicate is acknowledged with the id
 * (-1:-1): the original id was lost with the connection, so `send` resolves with
 * that placeholder for it.
 */
export class PulsarProducer implements Producer {
  readonly topic: string;
  private readonly socket: ReconnectingSocket;
  private readonly name: string;
  /** Insertion order is sequence order. */
  private readonly inFlight = new Map<number, PendingSend>();
  private nextSequenceId = Date.now() * 1000;
  private readonly roomWaiters: Array<() => void> = [];
  private readonly drainWaiters: Array<() => void> = [];
  private timeoutTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    private readonly config: PulsarConfig,
    topic: string,
    producerName: string | undefined,
    private readonly onClose: () => void,
  ) {
    this.topic = topic;
    this.name = producerName ?? uniqueProducerName();
    this.socket = new ReconnectingSocket({
      label: `producer on ${topic}`,
      config,
      url: () => this.url(),
      handlers: {
        onOpen: () => this.resend(),
        onFrame: (data) => this.onReceipt(data),
        onDown: () => undefined, // unacknowledged sends stay in flight and go again on the next connection
      },
    });
  }

  /** Connects a producer; fails (retriable) when Pulsar cannot be reached within the connect timeout. */
  static async create(options: {
    config: PulsarConfig;
    topic: string;
    producerName: string | undefined;
    onClose: () => void;
  }): Promise<PulsarProducer> {
    const producer = new PulsarProducer(
      options.config,
      options.topic,
      options.producerName,
      options.onClose,
    );
    await producer.socket.connect();
    return producer;
  }

  async send(message: OutgoingMessage): Promise<MessageId> {
    return (await this.sendBatch([message]))[0] as MessageId;
  }

  /** Pipelines every message (up to a window), resolving when the broker acknowledged them all. */
  async sendBatch(messages: readonly OutgoingMessage[]): Promise<MessageId[]> {
    const sends: Promise<MessageId>[] = [];
    let next = 0;
    while (next < messages.length) {
      while (this.inFlight.size >= MAX_IN_FLIGHT && !this.closed) {
        await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
      }
      if (this.closed) throw new BackendError(`producer on ${this.topic} is closed`);
      this.socket.corked(() => {
        while (next < messages.length && this.inFlight.size < MAX_IN_FLIGHT) {
          sends.push(this.enqueue(messages[next++] as OutgoingMessage));
        }
      });
    }
    return Promise.all(sends);
  }

  /** Waits for what is in flight (each send is bounded by the send timeout), then disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    this.wakeRoomWaiters();
    if (this.inFlight.size > 0)
      await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    clearInterval(this.timeoutTimer);
    await this.socket.close();
  }

  private url(): string {
    const oldest = this.inFlight.keys().next();
    const first = oldest.done ? this.nextSequenceId : oldest.value;
    return (
      `producer/${topicPath(this.config, this.topic)}?producerName=${encodeURIComponent(this.name)}` +
      `&initialSequenceId=${first - 1}&sendTimeoutMillis=${this.config.sendTimeoutMs}`
    );
  }

  private enqueue(message: OutgoingMessage): Promise<MessageId> {
    return new Promise((resolve, reject) => {
      const sequenceId = this.nextSequenceId++;
      const frame = producerFrame(message, String(sequenceId));
      this.inFlight.set(sequenceId, { sequenceId, frame, enqueuedAt: Date.now(), resolve, reject });
      this.socket.trySend(frame);
      this.timeoutTimer ??= setInterval(
        () => this.expire(),
        Math.min(1_000, this.config.sendTimeoutMs / 4),
      );
    });
  }

  private resend(): void {
    this.socket.corked(() => {
      for (const pending of this.inFlight.values()) this.socket.trySend(pending.frame);
    });
  }

  private onReceipt(data: string): void {
    let receipt: ProducerReceipt;
    try {
      receipt = parseFrame(data) as unknown as ProducerReceipt;
    } catch {
      return; // not a receipt; nothing is waiting for it
    }
    const pending = this.inFlight.get(Number(receipt.context));
    if (!pending) return; // a late receipt of a send that already timed out
    this.settle(pending);
    if (receipt.result === "ok" && receipt.messageId) {
      pending.resolve(receipt.messageId);
      return;
    }
    pending.reject(
      new BackendError(
        `Pulsar did not accept a message on ${this.topic}: ${receipt.errorMsg ?? receipt.result}`,
        { retriable: true },
      ),
    );
  }

  /** Fails the sends that waited longer than the send timeout, oldest first. */
  private expire(): void {
    const cutoff = Date.now() - this.config.sendTimeoutMs;
    for (const pending of this.inFlight.values()) {
      if (pending.enqueuedAt > cutoff) break;
      this.settle(pending);
      pending.reject(
        new BackendError(
          `no acknowledgement from Pulsar for a message on ${this.topic} within ${this.config.sendTimeoutMs} ms`,
          { retriable: true },
        ),
      );
    }
  }

  private settle(pending: PendingSend): void {
    this.inFlight.delete(pending.sequenceId);
    if (this.inFlight.size < MAX_IN_FLIGHT) this.wakeRoomWaiters();
    if (this.inFlight.size === 0) {
      clearInterval(this.timeoutTimer);
      this.timeoutTimer = undefined;
      for (const wake of this.drainWaiters.splice(0)) wake();
    }
  }

  private wakeRoomWaiters(): void {
    for (const wake of this.roomWaiters.splice(0)) wake();
  }
}

/** Unique per process and producer, in the characters Pulsar allows. */
function uniqueProducerName(): string {
  const host = hostname()
    .replace(/[^A-Za-z0-9_.-]/g, "-")
    .slice(0, 40);
  return `pw-${host}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}
