import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { BackendError, PwError } from "../../../domain/errors.js";
import { isProcessAlive } from "../../process-alive.js";
import { storageError } from "../../storage-errors.js";
import type {
  Consumer,
  Message,
  MessageId,
  OutgoingMessage,
  Producer,
  ProducerOptions,
  Reader,
  ReaderOptions,
  ReceiveOptions,
  Stream,
  SubscribeOptions,
  SubscriptionType,
  TopicStats,
} from "../types.js";
import { ChangeSignal } from "./change-signal.js";
import { EmbeddedConsumer } from "./embedded-consumer.js";
import { type LogDatabase, openLogDatabase, retryBusy, writeTransaction } from "./log-database.js";
import { type MessageRow, toMessage } from "./message-row.js";

export interface EmbeddedStreamOptions {
  /** pw's data dir; the log lives in `<dataDir>/stream/`. */
  dataDir: string;
  now?: () => number;
  /** Consumers heartbeat this often... */
  heartbeatMs?: number;
  /** ...and are presumed dead when silent this long (or at once when their pid is gone). */
  deadAfterMs?: number;
  /**
   * Messages acknowledged by every subscription of their topic are deleted once
   * older than this. Topics nobody subscribes to (dead letters, alerts) are kept.
   */
  retentionMs?: number;
}

const TRIM_EVERY_MS = 30_000;
const TRIM_CHUNK = 20_000;

/** Creates the embedded stream: a durable log in one SQLite file, shared by processes. */
export function createEmbeddedStream(options: EmbeddedStreamOptions): EmbeddedStream {
  return new EmbeddedStream(options);
}

export class EmbeddedStream implements Stream {
  readonly description: string;
  /** `<dataDir>/stream`: named in errors. */
  private readonly dir: string;
  private readonly db: LogDatabase;
  private readonly signal: ChangeSignal;
  private readonly now: () => number;
  private readonly open = new Set<{ close(): Promise<void> }>();
  private readonly trimTimer: NodeJS.Timeout;
  private readonly insert;
  private readonly countPublished;

  constructor(private readonly options: EmbeddedStreamOptions) {
    const dir = join(options.dataDir, "stream");
    this.dir = dir;
    try {
      mkdirSync(dir, { recursive: true });
      this.db = openLogDatabase(join(dir, "log.db"));
      this.signal = new ChangeSignal(join(dir, "log.signal"));
    } catch (cause) {
      // A full or read-only disk is named as such; anything else keeps SQLite's words.
      const mapped = storageError(cause, "open the embedded log", dir);
      if (mapped instanceof PwError) throw mapped;
      throw new BackendError(
        `cannot open the embedded log in ${dir}: ${(cause as Error).message}`,
        {
          cause,
        },
      );
    }
    this.description = `embedded log at ${dir}`;
    this.now = options.now ?? Date.now;
    this.insert = this.db.prepare(
      "INSERT INTO messages (topic, key, value, properties, event_time, publish_time) VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.countPublished = this.db.prepare(
      "INSERT INTO topics (topic, published) VALUES (?, ?) ON CONFLICT (topic) DO UPDATE SET published = published + excluded.published",
    );
    this.trimTimer = setInterval(() => this.trimAcknowledged(), TRIM_EVERY_MS);
    this.trimTimer.unref();
  }

  async createProducer({ topic }: ProducerOptions): Promise<Producer> {
    const producer: Producer = {
      topic,
      send: async (message) => (await this.append(topic, [message]))[0] as MessageId,
      sendBatch: (messages) => this.append(topic, messages),
      close: async () => {
        this.open.delete(producer);
      },
    };
    this.open.add(producer);
    return producer;
  }

  async subscribe(options: SubscribeOptions): Promise<Consumer> {
    const consumer = new EmbeddedConsumer(
      {
        db: this.db,
        dir: this.dir,
        signal: this.signal,
        now: this.now,
        heartbeatMs: this.options.heartbeatMs ?? 1000,
        deadAfterMs: this.options.deadAfterMs ?? 10_000,
        isProcessAlive,
        appendInTransaction: (topic, row) => {
          const id = this.appendRow(topic, row);
          this.countPublished.run(topic, 1);
          return id;
        },
        onClose: (closed) => this.open.delete(closed),
      },
      options,
    );
    this.open.add(consumer);
    return consumer;
  }

  async createReader({ topic, start }: ReaderOptions): Promise<Reader> {
    let position = this.readerStart(topic, start);
    const next = this.db.prepare(
      "SELECT * FROM messages WHERE topic = ? AND id > ? ORDER BY id LIMIT ?",
    );
    let closed = false;
    const reader: Reader = {
      topic,
      read: async ({ maxMessages, timeoutMs, signal }: ReceiveOptions): Promise<Message[]> => {
        const deadline = this.now() + timeoutMs;
        for (;;) {
          if (closed || signal?.aborted) return [];
          const rows = retryBusy(() => next.all(topic, position, maxMessages)) as MessageRow[];
          const last = rows.at(-1);
          if (last) {
            position = last.id;
            return rows.map((row) => toMessage(row, 0));
          }
          const remaining = deadline - this.now();
          if (remaining <= 0) return [];
          await this.signal.wait(remaining, signal);
        }
      },
      close: async () => {
        closed = true;
        this.open.delete(reader);
      },
    };
    this.open.add(reader);
    return reader;
  }

  async stats(topic: string): Promise<TopicStats> {
    return retryBusy(() => this.readStats(topic));
  }

  private readStats(topic: string): TopicStats {
    const published =
      (
        this.db.prepare("SELECT published FROM topics WHERE topic = ?").get(topic) as
          | { published: number }
          | undefined
      )?.published ?? 0;
    const subs = this.db
      .prepare("SELECT name, type, dispatch_pos FROM subscriptions WHERE topic = ? ORDER BY name")
      .all(topic) as { name: string; type: SubscriptionType; dispatch_pos: number }[];
    const undispatched = this.db.prepare(
      "SELECT count(*) AS n FROM messages WHERE topic = ? AND id > ?",
    );
    const pending = this.db.prepare(
      "SELECT count(*) AS n FROM pending WHERE topic = ? AND sub = ?",
    );
    const consumers = this.db.prepare(
      "SELECT count(*) AS n FROM consumers WHERE topic = ? AND sub = ? AND heartbeat_at > ?",
    );
    const aliveSince = this.now() - (this.options.deadAfterMs ?? 10_000);
    return {
      topic,
      published,
      subscriptions: subs.map((s) => ({
        name: s.name,
        type: s.type,
        backlog:
          (undispatched.get(topic, s.dispatch_pos) as { n: number }).n +
          (pending.get(topic, s.name) as { n: number }).n,
        consumers: (consumers.get(topic, s.name, aliveSince) as { n: number }).n,
      })),
    };
  }

  async close(): Promise<void> {
    clearInterval(this.trimTimer);
    for (const handle of [...this.open]) await handle.close();
    this.signal.close();
    this.db.close();
  }

  private append(topic: string, messages: readonly OutgoingMessage[]): Promise<MessageId[]> {
    const now = this.now();
    let ids: MessageId[];
    try {
      ids = writeTransaction(this.db, () => {
        const appended = messages.map((m) =>
          String(
            this.appendRow(topic, {
              key: m.key ?? null,
              value: m.value,
              properties: m.properties ? JSON.stringify(m.properties) : null,
              event_time: m.eventTime ?? null,
              publish_time: now,
            }),
          ),
        );
        this.countPublished.run(topic, messages.length);
        return appended;
      });
    } catch (cause) {
      // SQLite rolled the transaction back: nothing of this batch is in the log.
      const mapped = storageError(cause, `append to topic ${topic}`, this.dir);
      return Promise.reject(
        mapped instanceof PwError
          ? mapped
          : new BackendError(`cannot append to topic ${topic}: ${(cause as Error).message}`, {
              cause,
              retriable: (cause as { code?: string }).code === "SQLITE_BUSY",
            }),
      );
    }
    this.signal.raise();
    return Promise.resolve(ids);
  }

  private appendRow(topic: string, row: Omit<MessageRow, "id" | "topic">): number {
    return Number(
      this.insert.run(topic, row.key, row.value, row.properties, row.event_time, row.publish_time)
        .lastInsertRowid,
    );
  }

  private readerStart(topic: string, start: ReaderOptions["start"]): number {
    if (start === "earliest") return 0;
    if (start === "latest") {
      return (
        (
          this.db.prepare("SELECT max(id) AS id FROM messages WHERE topic = ?").get(topic) as {
            id: number | null;
          }
        ).id ?? 0
      );
    }
    if ("messageId" in start) return Number(start.messageId);
    const first = this.db
      .prepare("SELECT min(id) AS id FROM messages WHERE topic = ? AND publish_time >= ?")
      .get(topic, start.time) as { id: number | null };
    return first.id === null ? Number.MAX_SAFE_INTEGER : first.id - 1;
  }

  /**
   * Deletes messages every subscription has acknowledged and that are older than
   * the retention, in short transactions. Runs on a timer; public for tests.
   */
  trimAcknowledged(): void {
    const olderThan = this.now() - (this.options.retentionMs ?? 3_600_000);
    const topics = this.db.prepare("SELECT DISTINCT topic FROM subscriptions").all() as {
      topic: string;
    }[];
    for (const { topic } of topics) {
      const { safe } = this.db
        .prepare(
          `SELECT min(coalesce((SELECT min(msg_id) - 1 FROM pending p WHERE p.topic = s.topic AND p.sub = s.name), s.dispatch_pos)) AS safe
           FROM subscriptions s WHERE s.topic = ?`,
        )
        .get(topic) as { safe: number | null };
      if (safe === null) continue;
      const chunk = this.db.prepare(
        `DELETE FROM messages WHERE id IN (
           SELECT id FROM messages WHERE topic = ? AND id <= ? AND publish_time < ? ORDER BY id LIMIT ?)`,
      );
      while (
        retryBusy(() => chunk.run(topic, safe, olderThan, TRIM_CHUNK)).changes === TRIM_CHUNK
      ) {
        // keep going, one short write lock at a time
      }
    }
  }
}
