import type { Message, Reader, ReceiveOptions } from "../types.js";
import { MessageBuffer } from "./message-buffer.js";
import { comparePositions, decodeMessageId, type Position } from "./message-id.js";
import { type PulsarConfig, topicPath } from "./pulsar-config.js";
import { ReconnectingSocket } from "./reconnecting-socket.js";
import { ackFrame, deliveredFrame, toMessage } from "./wire-message.js";

/** Where a reader starts, in the WebSocket API's terms. */
export interface ReaderStartPosition {
  /** "earliest", "latest", or a base64 message id to read after (exclusive). */
  messageId: string;
  /** Messages published before this are skipped (a start by time). */
  minPublishTime?: number;
  /** The last message already in the topic past the start, when there is one (see `read`). */
  catchUpTo?: Position;
}

/** How long `read` waits for messages that already exist, whatever its timeout. */
const CATCH_UP_MS = 5_000;

/** Messages the proxy may push ahead of `read`. */
const READ_AHEAD = 1000;

/**
 * A reader over the WebSocket API: a non-durable cursor, nothing is acked. The
 * proxy stops pushing after READ_AHEAD messages until the client answers each
 * one, so the driver answers as the application reads. After a lost connection
 * it resumes right after the last message the application read.
 */
export class PulsarReader implements Reader {
  readonly topic: string;
  private readonly socket: ReconnectingSocket;
  private readonly buffer = new MessageBuffer();
  private lastRead: string | undefined;
  private caughtUp: boolean;
  private closed = false;

  private constructor(
    private readonly config: PulsarConfig,
    topic: string,
    private readonly start: ReaderStartPosition,
    private readonly onClose: () => void,
  ) {
    this.topic = topic;
    this.caughtUp = start.catchUpTo === undefined;
    this.socket = new ReconnectingSocket({
      label: `reader on ${topic}`,
      config,
      url: () => this.url(),
      handlers: {
        onOpen: () => this.buffer.clear(),
        onFrame: (data) => this.onDelivery(data),
        onDown: () => this.buffer.clear(),
      },
    });
  }

  static async create(options: {
    config: PulsarConfig;
    topic: string;
    start: ReaderStartPosition;
    onClose: () => void;
  }): Promise<PulsarReader> {
    const reader = new PulsarReader(options.config, options.topic, options.start, options.onClose);
    await reader.socket.connect();
    return reader;
  }

  /**
   * Messages that were in the topic when the reader was created count as
   * available now: until the reader got to them, `read` waits for them even
   * with a zero timeout (they are on their way over the network), so "read
   * what is there, then stop" works as with the embedded log.
   */
  async read(options: ReceiveOptions): Promise<Message[]> {
    const catchingUp = !this.caughtUp && this.buffer.size === 0;
    const messages = await this.buffer.take(
      catchingUp ? { ...options, timeoutMs: Math.max(options.timeoutMs, CATCH_UP_MS) } : options,
      () => this.closed,
    );
    // Nothing came while catching up: the rest went away (retention); stop waiting for it.
    if (catchingUp && messages.length === 0) this.caughtUp = true;
    this.socket.corked(() => {
      for (const m of messages) this.socket.trySend(ackFrame(m.id));
    });
    const last = messages.at(-1);
    if (last) this.lastRead = last.id;
    return messages;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    this.buffer.wake();
    await this.socket.close();
  }

  private onDelivery(data: string): void {
    const frame = deliveredFrame(data);
    if (!frame) return;
    if (!this.caughtUp) this.noteCatchUp(frame.messageId);
    const message = toMessage(this.topic, frame);
    if (
      this.start.minPublishTime !== undefined &&
      message.publishTime < this.start.minPublishTime
    ) {
      this.socket.trySend(ackFrame(message.id)); // skipped, but it still holds a read-ahead slot
      return;
    }
    this.buffer.push(message);
  }

  private noteCatchUp(messageId: string): void {
    const target = this.start.catchUpTo;
    try {
      if (!target || comparePositions(decodeMessageId(messageId), target) >= 0)
        this.caughtUp = true;
    } catch {
      this.caughtUp = true; // an id we cannot place: do not wait on it
    }
  }

  private url(): string {
    const params = new URLSearchParams({
      messageId: this.lastRead ?? this.start.messageId,
      receiverQueueSize: String(READ_AHEAD),
    });
    return `reader/${topicPath(this.config, this.topic)}?${params}`;
  }
}
