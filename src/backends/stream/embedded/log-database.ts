import Database from "better-sqlite3";

export type LogDatabase = Database.Database;

const pause = new Int32Array(new SharedArrayBuffer(4));
const MAX_LOCK_WAIT_MS = 30_000;

/**
 * Runs `fn`, retrying while another process holds the write lock.
 *
 * SQLite's own busy handler sleeps in steps of 1 to 100 ms, which with three
 * processes sharing the log (ingest, alerts, archive) costs both throughput
 * and alert latency; this waits in steps of 50 µs doubling to 2 ms instead.
 */
export function retryBusy<T>(fn: () => T): T {
  let waitedMs = 0;
  let stepMs = 0.05;
  for (;;) {
    try {
      return fn();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if ((code !== "SQLITE_BUSY" && code !== "SQLITE_LOCKED") || waitedMs > MAX_LOCK_WAIT_MS)
        throw error;
      Atomics.wait(pause, 0, 0, stepMs);
      waitedMs += stepMs;
      stepMs = Math.min(stepMs * 2, 2);
    }
  }
}

/** Runs `fn` in an IMMEDIATE transaction (write lock taken up front), retrying while busy. */
export function writeTransaction<T>(db: LogDatabase, fn: () => T): T {
  const transaction = db.transaction(fn);
  return retryBusy(() => transaction.immediate());
}

/**
 * Opens (creating if needed) the SQLite file that holds the embedded log.
 * WAL lets readers and one writer at a time proceed in parallel across processes;
 * synchronous=NORMAL keeps commits durable against a process crash (kill -9),
 * though the last transactions may be lost to an OS crash or power cut.
 */
export function openLogDatabase(path: string): LogDatabase {
  // timeout 0: lock waits are handled by retryBusy, in finer steps than SQLite's.
  const db = new Database(path, { timeout: 0 });
  retryBusy(() => db.pragma("journal_mode = WAL"));
  db.pragma("synchronous = NORMAL");
  retryBusy(() => db.exec(SCHEMA));
  return db;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  topic TEXT NOT NULL,
  key TEXT,
  value TEXT NOT NULL,
  properties TEXT,
  event_time INTEGER,
  publish_time INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_topic ON messages (topic, id);

CREATE TABLE IF NOT EXISTS topics (
  topic TEXT PRIMARY KEY,
  published INTEGER NOT NULL DEFAULT 0
);

-- dispatch_pos: every message of the topic with id <= dispatch_pos has been handed
-- to a consumer of this subscription (and is acked, or still in pending).
CREATE TABLE IF NOT EXISTS subscriptions (
  topic TEXT NOT NULL,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  dispatch_pos INTEGER NOT NULL,
  max_redeliver INTEGER,
  dead_letter_topic TEXT,
  nack_delay_ms INTEGER NOT NULL DEFAULT 1000,
  PRIMARY KEY (topic, name)
);

-- Dispatched but not acked. consumer_id NULL means waiting for (re)delivery.
CREATE TABLE IF NOT EXISTS pending (
  topic TEXT NOT NULL,
  sub TEXT NOT NULL,
  msg_id INTEGER NOT NULL,
  consumer_id INTEGER,
  delivered INTEGER NOT NULL DEFAULT 0,
  redelivery_count INTEGER NOT NULL DEFAULT 0,
  available_at INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (topic, sub, msg_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS pending_by_consumer ON pending (consumer_id, msg_id);

CREATE TABLE IF NOT EXISTS consumers (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  topic TEXT NOT NULL,
  sub TEXT NOT NULL,
  name TEXT,
  pid INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL
);
`;
