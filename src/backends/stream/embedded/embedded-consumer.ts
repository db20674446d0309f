import { storageError } from "../../storage-errors.js";
import type {
  Consumer,
  Message,
  ReceiveOptions,
  SubscribeOptions,
  SubscriptionType,
} from "../types.js";
import { defaultDeadLetterTopic } from "../types.js";
import type { ChangeSignal } from "./change-signal.js";
import { type LogDatabase, retryBusy, writeTransaction } from "./log-database.js";
import { type MessageRow, toMessage } from "./message-row.js";

export interface ConsumerRuntime {
  db: LogDatabase;
  /** The log's directory, named when the disk refuses a write. */
  dir: string;
  signal: ChangeSignal;
  now: () => number;
  /** A consumer whose heartbeat is older than this is presumed dead. */
  deadAfterMs: number;
  heartbeatMs: number;
  isProcessAlive: (pid: number) => boolean;
  /** Appends a message to a topic inside the caller's transaction. */
  appendInTransaction: (topic: string, row: Omit<MessageRow, "id" | "topic">) => number;
  onClose: (consumer: EmbeddedConsumer) => void;
}

interface PendingRow {
  msg_id: number;
  redelivery_count: number;
}

interface ConsumerRow {
  id: number;
  pid: number;
  heartbeat_at: number;
}

const REAP_EVERY_MS = 250;
const ACK_GROUP_MS = 50;

/**
 * A consumer of a durable subscription in the embedded log.
 *
 * Dispatch happens in one IMMEDIATE transaction: new messages past the
 * subscription's dispatch position (and messages waiting for redelivery) are
 * assigned to a live consumer according to the subscription type and recorded in
 * `pending` until acked. Any consumer may dispatch on behalf of the others
 * (Key_Shared assigns by key hash), so no coordinator process is needed.
 */
export class EmbeddedConsumer implements Consumer {
  readonly topic: string;
  readonly subscription: string;
  private readonly type: SubscriptionType;
  private id = 0;
  private readonly heartbeat: NodeJS.Timeout;
  private lastReapAt = 0;
  private unwrittenAcks: number[] = [];
  private ackTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /**
   * What a background write (heartbeat, grouped acks) failed with, e.g. a full
   * disk: thrown by the next receive or ack, so the consumer stops with a clear
   * error instead of the process dying of an exception in a timer.
   */
  private failure: unknown;
  private readonly stmts;

  constructor(
    private readonly rt: ConsumerRuntime,
    options: SubscribeOptions,
  ) {
    this.topic = options.topic;
    this.subscription = options.subscription;
    this.type = options.type;
    this.written("subscribe", () => this.register(options));
    this.stmts = prepareStatements(rt.db);
    this.heartbeat = setInterval(() => this.beat(), rt.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Creates the subscription if needed and this consumer's row; sets `id`. */
  private register(options: SubscribeOptions): void {
    const { db } = this.rt;
    const deadLetter = options.deadLetter;
    writeTransaction(db, () => {
      const start =
        options.initialPosition === "Latest"
          ? ((
              db.prepare("SELECT max(id) AS id FROM messages WHERE topic = ?").get(this.topic) as {
                id: number | null;
              }
            ).id ?? 0)
          : 0;
      db.prepare(
        "INSERT OR IGNORE INTO subscriptions (topic, name, type, dispatch_pos) VALUES (?, ?, ?, ?)",
      ).run(this.topic, this.subscription, this.type, start);
      db.prepare(
        `UPDATE subscriptions SET type = ?, max_redeliver = ?, dead_letter_topic = ?, nack_delay_ms = ?
         WHERE topic = ? AND name = ?`,
      ).run(
        this.type,
        deadLetter?.maxRedeliverCount ?? null,
        deadLetter
          ? (deadLetter.topic ?? defaultDeadLetterTopic(this.topic, this.subscription))
          : null,
        options.nackRedeliveryDelayMs ?? 1000,
        this.topic,
        this.subscription,
      );
    });
    const register = db.prepare(
      "INSERT INTO consumers (topic, sub, name, pid, heartbeat_at) VALUES (?, ?, ?, ?, ?)",
    );
    this.id = Number(
      retryBusy(() =>
        register.run(
          this.topic,
          this.subscription,
          options.consumerName ?? null,
          process.pid,
          this.rt.now(),
        ),
      ).lastInsertRowid,
    );
  }

  async receive({ maxMessages, timeoutMs, signal }: ReceiveOptions): Promise<Message[]> {
    const deadline = this.rt.now() + timeoutMs;
    for (;;) {
      if (this.closed || signal?.aborted) return [];
      this.throwIfFailed();
      const messages = this.written("receive messages", () => this.dispatch(maxMessages));
      if (messages.length > 0) return messages;
      const remaining = deadline - this.rt.now();
      if (remaining <= 0) return [];
      await this.rt.signal.wait(remaining, signal);
    }
  }

  /**
   * Acks are grouped, as Pulsar's client does: they are written with the next
   * dispatch, or within ACK_GROUP_MS, or on close. An ack lost to a crash only
   * means a redelivery, which every pw consumer absorbs (idempotent by reportId).
   */
  async ack(messages: readonly Message[]): Promise<void> {
    if (messages.length === 0 || this.closed) return;
    this.throwIfFailed();
    for (const m of messages) this.unwrittenAcks.push(+m.id);
    this.ackTimer ??= setTimeout(() => {
      this.ackTimer = undefined;
      this.inBackground("write acks", () => {
        if (!this.closed) writeTransaction(this.rt.db, () => this.writeAcks());
      });
    }, ACK_GROUP_MS);
  }

  /** Inside a write transaction: persists the grouped acks. */
  private writeAcks(): void {
    if (this.unwrittenAcks.length === 0) return;
    this.stmts.ackMany.run(this.topic, this.subscription, JSON.stringify(this.unwrittenAcks));
    this.unwrittenAcks = [];
  }

  async nack(messages: readonly Message[]): Promise<void> {
    if (messages.length === 0) return;
    const now = this.rt.now();
    this.written("nack messages", () =>
      writeTransaction(this.rt.db, () => {
        this.writeAcks();
        const policy = this.policy();
        for (const m of messages) {
          const row = this.stmts.pendingRow.get(this.topic, this.subscription, +m.id) as
            | PendingRow
            | undefined;
          if (!row) continue; // acked meanwhile, or already dead-lettered
          this.requeueOrDeadLetter(row.msg_id, row.redelivery_count + 1, now + policy.nackDelayMs);
        }
      }),
    );
    this.rt.signal.raise();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.ackTimer);
    this.rt.onClose(this);
    // Hand back what we hold so other consumers get it at once, without a count
    // against the redelivery limit: a clean close is not a processing failure.
    this.written("close the consumer", () =>
      writeTransaction(this.rt.db, () => {
        this.writeAcks();
        this.stmts.releaseConsumer.run(this.id);
        this.stmts.deleteConsumer.run(this.id);
      }),
    );
    this.rt.signal.raise();
  }

  private beat(): void {
    this.inBackground("record a heartbeat", () => {
      if (!this.closed) retryBusy(() => this.stmts.heartbeat.run(this.rt.now(), this.id));
    });
  }

  /** Runs a write; a full or read-only disk becomes a BackendError naming the log's directory. */
  private written<T>(what: string, write: () => T): T {
    try {
      return write();
    } catch (error) {
      throw storageError(error, `${what} (subscription ${this.subscription})`, this.rt.dir);
    }
  }

  /** A write from a timer: its failure is kept for the next receive or ack to throw. */
  private inBackground(what: string, write: () => void): void {
    try {
      this.written(what, write);
    } catch (error) {
      this.failure ??= error;
    }
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private policy(): {
    maxRedeliver: number | null;
    deadLetterTopic: string | null;
    nackDelayMs: number;
  } {
    const row = this.stmts.subscription.get(this.topic, this.subscription) as {
      dispatch_pos: number;
      max_redeliver: number | null;
      dead_letter_topic: string | null;
      nack_delay_ms: number;
    };
    return {
      maxRedeliver: row.max_redeliver,
      deadLetterTopic: row.dead_letter_topic,
      nackDelayMs: row.nack_delay_ms,
    };
  }

  /** Puts a message back for redelivery, or moves it to the dead-letter topic when over the limit. */
  private requeueOrDeadLetter(msgId: number, redeliveryCount: number, availableAt: number): void {
    const { maxRedeliver, deadLetterTopic } = this.policy();
    if (maxRedeliver !== null && deadLetterTopic !== null && redeliveryCount > maxRedeliver) {
      const original = this.stmts.messageById.get(msgId) as MessageRow;
      const properties = {
        ...(original.properties ? (JSON.parse(original.properties) as Record<string, string>) : {}),
        REAL_TOPIC: this.topic,
        ORIGIN_MESSAGE_ID: String(msgId),
        REDELIVERY_COUNT: String(redeliveryCount - 1),
      };
      this.rt.appendInTransaction(deadLetterTopic, {
        key: original.key,
        value: original.value,
        properties: JSON.stringify(properties),
        event_time: original.event_time,
        publish_time: this.rt.now(),
      });
      this.stmts.deletePending.run(this.topic, this.subscription, msgId);
      return;
    }
    this.stmts.requeue.run(redeliveryCount, availableAt, this.topic, this.subscription, msgId);
  }

  /** Releases the messages of consumers that died (kill -9, crash, lost heartbeat). */
  private reapDeadConsumers(now: number): boolean {
    let released = false;
    const consumers = this.stmts.consumers.all(this.topic, this.subscription) as ConsumerRow[];
    for (const c of consumers) {
      if (c.id === this.id) continue;
      const stale = now - c.heartbeat_at > this.rt.deadAfterMs;
      if (!stale && this.rt.isProcessAlive(c.pid)) continue;
      const held = this.stmts.pendingOfConsumer.all(c.id) as (PendingRow & { delivered: number })[];
      for (const row of held) {
        // A message it had received counts as a failed delivery; one merely assigned does not.
        this.requeueOrDeadLetter(row.msg_id, row.redelivery_count + row.delivered, 0);
      }
      this.stmts.deleteConsumer.run(c.id);
      released ||= held.length > 0;
    }
    return released;
  }

  private liveConsumerIds(): number[] {
    return (this.stmts.consumers.all(this.topic, this.subscription) as ConsumerRow[]).map(
      (c) => c.id,
    );
  }

  private dispatch(maxMessages: number): Message[] {
    let foreignAssigned = false;
    const result = writeTransaction(this.rt.db, (): Message[] => {
      this.writeAcks();
      const now = this.rt.now();
      if (now - this.lastReapAt >= REAP_EVERY_MS) {
        this.lastReapAt = now;
        foreignAssigned ||= this.reapDeadConsumers(now);
      }
      const live = this.liveConsumerIds();
      if (this.type === "Failover" && live[0] !== this.id) return [];
      const ownerOf = (key: string | null): number =>
        this.type === "Key_Shared" && live.length > 1
          ? (live[keyHash(key ?? "") % live.length] as number)
          : this.id;

      const mine: MessageRow[] = [];
      const redeliveryCounts = new Map<number, number>();
      // 1. Already assigned to me by another consumer's dispatch.
      for (const row of this.stmts.assignedToMe.all(this.id, maxMessages) as PendingRow[]) {
        mine.push(this.stmts.messageById.get(row.msg_id) as MessageRow);
        redeliveryCounts.set(row.msg_id, row.redelivery_count);
        this.stmts.markDelivered.run(this.id, this.topic, this.subscription, row.msg_id);
      }
      // 2. Waiting for redelivery (nacked, or released by a dead consumer).
      if (mine.length < maxMessages) {
        const waiting = this.stmts.waiting.all(
          this.topic,
          this.subscription,
          now,
          maxMessages - mine.length,
        ) as PendingRow[];
        for (const row of waiting) {
          const message = this.stmts.messageById.get(row.msg_id) as MessageRow;
          const owner = ownerOf(message.key);
          if (owner === this.id) {
            mine.push(message);
            redeliveryCounts.set(row.msg_id, row.redelivery_count);
            this.stmts.markDelivered.run(this.id, this.topic, this.subscription, row.msg_id);
          } else {
            this.stmts.assign.run(owner, this.topic, this.subscription, row.msg_id);
            foreignAssigned = true;
          }
        }
      }
      // 3. New messages past the dispatch position.
      if (mine.length < maxMessages) {
        const { dispatch_pos } = this.stmts.subscription.get(this.topic, this.subscription) as {
          dispatch_pos: number;
        };
        const room = maxMessages - mine.length;
        const allMine = this.type !== "Key_Shared" || live.length <= 1;
        const fresh = this.stmts.newMessages.all(this.topic, dispatch_pos, room) as MessageRow[];
        if (allMine) {
          // Common case: everything goes to this consumer, claimed in one statement.
          this.stmts.claimRange.run(
            this.subscription,
            this.id,
            this.topic,
            dispatch_pos,
            fresh.at(-1)?.id ?? dispatch_pos,
          );
          mine.push(...fresh);
        } else {
          for (const message of fresh) {
            const owner = ownerOf(message.key);
            const delivered = owner === this.id ? 1 : 0;
            this.stmts.insertPending.run(
              this.topic,
              this.subscription,
              message.id,
              owner,
              delivered,
            );
            if (delivered) mine.push(message);
            else foreignAssigned = true;
          }
        }
        const last = fresh.at(-1);
        if (last) this.stmts.advance.run(last.id, this.topic, this.subscription);
      }
      mine.sort((a, b) => a.id - b.id);
      return mine.map((row) => toMessage(row, redeliveryCounts.get(row.id) ?? 0));
    });
    if (foreignAssigned) this.rt.signal.raise();
    return result;
  }
}

/** FNV-1a: stable across processes and runs, unlike anything seeded. */
function keyHash(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function prepareStatements(db: LogDatabase) {
  return {
    subscription: db.prepare(
      "SELECT dispatch_pos, max_redeliver, dead_letter_topic, nack_delay_ms FROM subscriptions WHERE topic = ? AND name = ?",
    ),
    consumers: db.prepare(
      "SELECT id, pid, heartbeat_at FROM consumers WHERE topic = ? AND sub = ? ORDER BY id",
    ),
    heartbeat: db.prepare("UPDATE consumers SET heartbeat_at = ? WHERE id = ?"),
    deleteConsumer: db.prepare("DELETE FROM consumers WHERE id = ?"),
    pendingOfConsumer: db.prepare(
      "SELECT msg_id, redelivery_count, delivered FROM pending WHERE consumer_id = ?",
    ),
    releaseConsumer: db.prepare(
      "UPDATE pending SET consumer_id = NULL, delivered = 0, available_at = 0 WHERE consumer_id = ?",
    ),
    assignedToMe: db.prepare(
      "SELECT msg_id, redelivery_count FROM pending WHERE consumer_id = ? AND delivered = 0 ORDER BY msg_id LIMIT ?",
    ),
    waiting: db.prepare(
      `SELECT msg_id, redelivery_count FROM pending
       WHERE topic = ? AND sub = ? AND consumer_id IS NULL AND available_at <= ?
       ORDER BY msg_id LIMIT ?`,
    ),
    newMessages: db.prepare(
      "SELECT * FROM messages WHERE topic = ? AND id > ? ORDER BY id LIMIT ?",
    ),
    messageById: db.prepare("SELECT * FROM messages WHERE id = ?"),
    pendingRow: db.prepare(
      "SELECT msg_id, redelivery_count FROM pending WHERE topic = ? AND sub = ? AND msg_id = ?",
    ),
    insertPending: db.prepare(
      "INSERT OR IGNORE INTO pending (topic, sub, msg_id, consumer_id, delivered) VALUES (?, ?, ?, ?, ?)",
    ),
    markDelivered: db.prepare(
      "UPDATE pending SET consumer_id = ?, delivered = 1 WHERE topic = ? AND sub = ? AND msg_id = ?",
    ),
    assign: db.prepare(
      "UPDATE pending SET consumer_id = ?, delivered = 0 WHERE topic = ? AND sub = ? AND msg_id = ?",
    ),
    advance: db.prepare("UPDATE subscriptions SET dispatch_pos = ? WHERE topic = ? AND name = ?"),
    deletePending: db.prepare("DELETE FROM pending WHERE topic = ? AND sub = ? AND msg_id = ?"),
    ackMany: db.prepare(
      "DELETE FROM pending WHERE topic = ? AND sub = ? AND msg_id IN (SELECT value FROM json_each(?))",
    ),
    claimRange: db.prepare(
      `INSERT OR IGNORE INTO pending (topic, sub, msg_id, consumer_id, delivered)
       SELECT topic, ?, id, ?, 1 FROM messages WHERE topic = ? AND id > ? AND id <= ?`,
    ),
    requeue: db.prepare(
      `UPDATE pending SET consumer_id = NULL, delivered = 0, redelivery_count = ?, available_at = ?
       WHERE topic = ? AND sub = ? AND msg_id = ?`,
    ),
  };
}
