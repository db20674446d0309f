import Database from "better-sqlite3";
import type { Alert, AlertEvent, AlertState } from "../../../domain/alert.js";
import {
  type AlertAction,
  AlertNotFoundError,
  nextState,
} from "../../../domain/alert-lifecycle.js";
import type { AlertFilter, AlertStateChange, AlertWithAudit, StateChange } from "../types.js";

export interface SegmentRecord {
  id: string;
  /**
   * Rollups are not data of their own: each `words` segment summarises the
   * words of one `reports` segment, each `citizens` segment the sightings of
   * one `sightings` segment (its `source`), and lives and dies with it.
   */
  kind: DataKind | RollupKind;
  day: string;
  /** Relative to the store dir. */
  path: string;
  rows: number;
  minTs: number;
  maxTs: number;
  /** For a rollup, the id of the segment it summarises. */
  source?: string;
}

export type DataKind = "reports" | "sightings";
export type RollupKind = "words" | "citizens";

/** The rollup kept for each kind of data segment. */
export const ROLLUP_OF = { reports: "words", sightings: "citizens" } as const satisfies Record<
  DataKind,
  RollupKind
>;

/** A live data segment and, when it has one, its rollup. */
export interface SegmentWithRollup {
  path: string;
  minTs: number;
  maxTs: number;
  /** Null for a segment written before rollups existed. */
  rollupPath: string | null;
}

/**
 * The embedded store's catalog, in SQLite: which Parquet segments are committed,
 * which reportIds they hold, and the alerts. A segment exists for readers only
 * once its row is committed here, together with its reportIds, so that one
 * transaction is the commit point of an archive flush.
 *
 * synchronous=FULL: a flush is acked to the stream right after this commit, so
 * it must survive an OS crash too, not only a process crash.
 */
export class Catalog {
  readonly db: Database.Database;
  private readonly stmts;

  constructor(path: string) {
    this.db = new Database(path, { timeout: 30_000 });
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = FULL");
    this.db.exec(SCHEMA);
    // IMMEDIATE: processes opening a fresh catalog at once (pw alerts and pw archive)
    // must not both see a column missing and both add it ("duplicate column name").
    this.db.transaction(() => migrate(this.db)).immediate();
    this.stmts = {
      // One statement per batch (ids as a JSON array): the lookups run inside
      // SQLite instead of crossing into it once per report.
      storedOf: this.db
        .prepare("SELECT j.value FROM json_each(?) j JOIN report_ids r ON r.report_id = j.value")
        .pluck(),
      insertReportIds: this.db.prepare(
        "INSERT OR IGNORE INTO report_ids (report_id) SELECT value FROM json_each(?)",
      ),
      insertSegment: this.db.prepare(
        "INSERT INTO segments (id, kind, day, path, rows, min_ts, max_ts, created_at, source) VALUES (@id, @kind, @day, @path, @rows, @minTs, @maxTs, @createdAt, @source)",
      ),
      upsertAlert: this.db.prepare(
        `INSERT INTO alerts (alert_id, citizen, state, occurrences, last_report_ms, detected_ms, body)
         VALUES (@alertId, @citizen, 'open', @occurrences, @lastReportMs, @detectedMs, @body)
         ON CONFLICT (alert_id) DO UPDATE SET
           occurrences = excluded.occurrences, last_report_ms = excluded.last_report_ms, body = excluded.body
         WHERE excluded.occurrences > alerts.occurrences`,
      ),
      insertAlertReport: this.db.prepare(
        "INSERT OR IGNORE INTO alert_reports (report_id, citizen, alert_id) VALUES (?, ?, ?)",
      ),
      alertReport: this.db
        .prepare("SELECT 1 FROM alert_reports WHERE report_id = ? LIMIT 1")
        .pluck(),
    };
  }

  /** reportIds of `ids` that are already stored. */
  storedReportIds(ids: readonly string[]): Set<string> {
    if (ids.length === 0) return new Set();
    return new Set(this.stmts.storedOf.all(JSON.stringify(ids)) as string[]);
  }

  /**
   * Commits segments and their reportIds atomically. Returns the reportIds that
   * another writer committed meanwhile: then nothing is committed and the caller
   * must rewrite its segments without them.
   */
  commitSegments(segments: readonly SegmentRecord[], reportIds: readonly string[]): Set<string> {
    const createdAt = Date.now();
    const commit = this.db.transaction(() => {
      const ids = JSON.stringify(reportIds);
      if (this.stmts.insertReportIds.run(ids).changes !== reportIds.length) {
        // Another writer stored some of them meanwhile: roll everything back and
        // tell the caller which ones, so it rewrites its segments without them.
        throw new ClashError();
      }
      for (const s of segments) this.stmts.insertSegment.run(segmentRow(s, createdAt));
    });
    try {
      commit.immediate();
      return new Set();
    } catch (error) {
      if (error instanceof ClashError) return this.storedReportIds(reportIds);
      throw error;
    }
  }

  segments(kind: DataKind, since?: number, until?: number): SegmentRecord[] {
    return this.db
      .prepare(
        `SELECT id, kind, day, path, rows, min_ts AS minTs, max_ts AS maxTs FROM segments
         WHERE kind = ? AND retired_at IS NULL AND max_ts >= ? AND min_ts < ? ORDER BY min_ts`,
      )
      .all(
        kind,
        since ?? Number.MIN_SAFE_INTEGER,
        until ?? Number.MAX_SAFE_INTEGER,
      ) as SegmentRecord[];
  }

  /** Live segments of `kind` overlapping the range, each with the path of its live rollup. */
  segmentsWithRollups(kind: DataKind, since?: number, until?: number): SegmentWithRollup[] {
    return this.db
      .prepare(
        `SELECT d.path AS path, d.min_ts AS minTs, d.max_ts AS maxTs, r.path AS rollupPath
         FROM segments d
         LEFT JOIN segments r ON r.source = d.id AND r.kind = ? AND r.retired_at IS NULL
         WHERE d.kind = ? AND d.retired_at IS NULL AND d.max_ts >= ? AND d.min_ts < ?
         ORDER BY d.min_ts`,
      )
      .all(
        ROLLUP_OF[kind],
        kind,
        since ?? Number.MIN_SAFE_INTEGER,
        until ?? Number.MAX_SAFE_INTEGER,
      ) as SegmentWithRollup[];
  }

  /** The live rollups of these segments, by the id of the segment they summarise. */
  rollupsOf(ids: readonly string[]): Map<string, SegmentRecord> {
    const rows = this.db
      .prepare(
        `SELECT id, kind, day, path, rows, min_ts AS minTs, max_ts AS maxTs, source FROM segments
         WHERE source IN (SELECT value FROM json_each(?)) AND retired_at IS NULL`,
      )
      .all(JSON.stringify(ids)) as SegmentRecord[];
    return new Map(rows.map((r) => [r.source!, r]));
  }

  /** Every path the catalog knows, retired ones included (a reader may still be using them). */
  allSegmentPaths(): Set<string> {
    return new Set(this.db.prepare("SELECT path FROM segments").pluck().all() as string[]);
  }

  rowCount(kind: DataKind): number {
    return (
      (this.db
        .prepare("SELECT sum(rows) FROM segments WHERE kind = ? AND retired_at IS NULL")
        .pluck()
        .get(kind) as number | null) ?? 0
    );
  }

  /** Days of `kind` with at least `minCount` live segments of fewer than `smallRows` rows. */
  compactionCandidates(
    kind: DataKind,
    smallRows: number,
    minCount: number,
    maxCount: number,
  ): SegmentRecord[][] {
    const days = this.db
      .prepare(
        `SELECT day FROM segments WHERE kind = ? AND retired_at IS NULL AND rows < ?
         GROUP BY day HAVING count(*) >= ?`,
      )
      .pluck()
      .all(kind, smallRows, minCount) as string[];
    const pick = this.db.prepare(
      `SELECT id, kind, day, path, rows, min_ts AS minTs, max_ts AS maxTs FROM segments
       WHERE kind = ? AND day = ? AND retired_at IS NULL AND rows < ? ORDER BY min_ts LIMIT ?`,
    );
    return days.map((day) => pick.all(kind, day, smallRows, maxCount) as SegmentRecord[]);
  }

  /**
   * Replaces `merged` (and their rollups) by `replacements` in one transaction.
   * Returns false (and changes nothing) when another process retired any of
   * them first.
   */
  swapSegments(merged: readonly SegmentRecord[], replacements: readonly SegmentRecord[]): boolean {
    const now = Date.now();
    const retire = this.db.prepare(
      "UPDATE segments SET retired_at = ? WHERE id = ? AND retired_at IS NULL",
    );
    const retireRollups = this.db.prepare(
      "UPDATE segments SET retired_at = ? WHERE source = ? AND retired_at IS NULL",
    );
    const swap = this.db.transaction(() => {
      for (const s of merged) {
        if (retire.run(now, s.id).changes !== 1) throw new ClashError();
        retireRollups.run(now, s.id);
      }
      for (const s of replacements) this.stmts.insertSegment.run(segmentRow(s, now));
    });
    try {
      swap.immediate();
      return true;
    } catch (error) {
      if (error instanceof ClashError) return false;
      throw error;
    }
  }

  /** Live report rows per UTC day (YYYY-MM-DD) for days before `beforeDay`. */
  daysBefore(beforeDay: string): { day: string; reports: number }[] {
    return this.db
      .prepare(
        `SELECT day, sum(rows) AS reports FROM segments
         WHERE kind = 'reports' AND retired_at IS NULL AND day < ? GROUP BY day ORDER BY day`,
      )
      .all(beforeDay) as { day: string; reports: number }[];
  }

  /** Forgets every segment (live or retired) of these days and returns their paths, for deletion. */
  dropDays(days: readonly string[]): string[] {
    return this.db
      .transaction(() => {
        const paths: string[] = [];
        const select = this.db.prepare("SELECT path FROM segments WHERE day = ?").pluck();
        const drop = this.db.prepare("DELETE FROM segments WHERE day = ?");
        for (const day of days) {
          paths.push(...(select.all(day) as string[]));
          drop.run(day);
        }
        return paths;
      })
      .immediate();
  }

  /** Forgets segments retired more than `graceMs` ago and returns their paths, for deletion. */
  purgeRetired(graceMs: number): string[] {
    const before = Date.now() - graceMs;
    return this.db
      .transaction(() => {
        const paths = this.db
          .prepare("SELECT path FROM segments WHERE retired_at < ?")
          .pluck()
          .all(before) as string[];
        this.db.prepare("DELETE FROM segments WHERE retired_at < ?").run(before);
        return paths;
        // IMMEDIATE: a deferred transaction that reads and then writes cannot wait
        // for the lock another archive process holds ("database is locked").
      })
      .immediate();
  }

  recordAlertEvents(events: readonly AlertEvent[]): void {
    this.db
      .transaction(() => {
        for (const { alert, reportId } of events) {
          this.stmts.upsertAlert.run({
            alertId: alert.alertId,
            citizen: alert.citizen,
            occurrences: alert.occurrences,
            lastReportMs: Date.parse(alert.lastReportTs),
            detectedMs: Date.parse(alert.detectedAt),
            body: JSON.stringify(alert),
          });
          this.stmts.insertAlertReport.run(reportId, alert.citizen, alert.alertId);
        }
      })
      .immediate();
  }

  alertedReports(reportIds: readonly string[]): Set<string> {
    const found = new Set<string>();
    for (const id of reportIds) if (this.stmts.alertReport.get(id)) found.add(id);
    return found;
  }

  recentOpenAlerts(cooldownMs: number): Alert[] {
    const rows = this.db
      .prepare(
        `SELECT body, state FROM alerts WHERE state != 'resolved'
         AND last_report_ms >= (SELECT max(last_report_ms) FROM alerts) - ?`,
      )
      .all(cooldownMs) as AlertRow[];
    return rows.map(toAlert);
  }

  listAlerts({ state, limit }: AlertFilter): Alert[] {
    const rows = this.db
      .prepare(
        `SELECT body, state FROM alerts WHERE (@state IS NULL OR state = @state)
         ORDER BY detected_ms DESC, alert_id LIMIT @limit`,
      )
      .all({ state: state ?? null, limit: limit ?? -1 }) as AlertRow[];
    return rows.map(toAlert);
  }

  /** The alert and its audit trail. */
  getAlert(alertId: string): AlertWithAudit | undefined {
    const row = this.db.prepare("SELECT body, state FROM alerts WHERE alert_id = ?").get(alertId) as
      | AlertRow
      | undefined;
    if (!row) return undefined;
    const audit = this.db
      .prepare(
        `SELECT at, operator, action, reason, from_state AS "from", to_state AS "to"
         FROM alert_audit WHERE alert_id = ? ORDER BY seq`,
      )
      .all(alertId) as AuditRow[];
    return {
      ...toAlert(row),
      audit: audit.map((a) => ({ ...a, at: new Date(a.at).toISOString() })),
    };
  }

  /** Moves an alert along its lifecycle and records who, when and why, atomically. */
  changeAlertState(alertId: string, action: AlertAction, change: StateChange): AlertWithAudit {
    this.db
      .transaction(() => {
        const state = this.db
          .prepare("SELECT state FROM alerts WHERE alert_id = ?")
          .pluck()
          .get(alertId) as AlertState | undefined;
        if (state === undefined) throw new AlertNotFoundError(alertId);
        const to = nextState(state, action, alertId);
        this.db
          .prepare("UPDATE alerts SET state = ?, state_changed_ms = ? WHERE alert_id = ?")
          .run(to, change.at, alertId);
        this.db
          .prepare(
            `INSERT INTO alert_audit (alert_id, at, operator, action, reason, from_state, to_state)
             VALUES (?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(alertId, change.at, change.operator, action, change.reason, state, to);
      })
      .immediate();
    return this.getAlert(alertId)!;
  }

  /** Alerts whose state an operator changed at or after `sinceMs`. */
  alertStateChanges(sinceMs: number): AlertStateChange[] {
    return this.db
      .prepare(
        `SELECT alert_id AS alertId, state, state_changed_ms AS changedAt FROM alerts
         WHERE state_changed_ms >= ? ORDER BY state_changed_ms`,
      )
      .all(sinceMs) as AlertStateChange[];
  }

  alertCounts(): Record<AlertState, number> {
    const counts: Record<AlertState, number> = { open: 0, acked: 0, resolved: 0 };
    const rows = this.db
      .prepare("SELECT state, count(*) AS n FROM alerts GROUP BY state")
      .all() as {
      state: AlertState;
      n: number;
    }[];
    for (const row of rows) counts[row.state] = row.n;
    return counts;
  }

  close(): void {
    this.db.close();
  }
}

class ClashError extends Error {}

function segmentRow(s: SegmentRecord, createdAt: number) {
  const { id, kind, day, path, rows, minTs, maxTs } = s;
  return { id, kind, day, path, rows, minTs, maxTs, createdAt, source: s.source ?? null };
}

/** Brings a catalog made by an earlier pw up to date. */
function migrate(db: Database.Database): void {
  const has = (table: string, column: string) =>
    (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).some(
      (c) => c.name === column,
    );
  if (!has("segments", "retired_at")) db.exec("ALTER TABLE segments ADD COLUMN retired_at INTEGER");
  if (!has("segments", "source")) db.exec("ALTER TABLE segments ADD COLUMN source TEXT");
  db.exec("CREATE INDEX IF NOT EXISTS segments_by_source ON segments (source)");
  if (!has("alerts", "state_changed_ms"))
    db.exec("ALTER TABLE alerts ADD COLUMN state_changed_ms INTEGER");
  db.exec("CREATE INDEX IF NOT EXISTS alerts_by_state_change ON alerts (state_changed_ms)");
}

interface AuditRow {
  at: number;
  operator: string;
  action: AlertAction;
  reason: string;
  from: AlertState;
  to: AlertState;
}

interface AlertRow {
  body: string;
  state: AlertState;
}

/** The state column is the truth: operators change it, the consumer only updates the body. */
function toAlert(row: AlertRow): Alert {
  return { ...(JSON.parse(row.body) as Alert), state: row.state };
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS segments (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  day TEXT NOT NULL,
  path TEXT NOT NULL UNIQUE,
  rows INTEGER NOT NULL,
  min_ts INTEGER NOT NULL,
  max_ts INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS segments_by_time ON segments (kind, min_ts);
CREATE TABLE IF NOT EXISTS report_ids (report_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alerts (
  alert_id TEXT PRIMARY KEY,
  citizen TEXT NOT NULL,
  state TEXT NOT NULL,
  occurrences INTEGER NOT NULL,
  last_report_ms INTEGER NOT NULL,
  detected_ms INTEGER NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_by_time ON alerts (detected_ms);
CREATE TABLE IF NOT EXISTS alert_audit (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  alert_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  operator TEXT NOT NULL,
  action TEXT NOT NULL,
  reason TEXT NOT NULL,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alert_audit_by_alert ON alert_audit (alert_id, seq);
CREATE TABLE IF NOT EXISTS alert_reports (
  report_id TEXT NOT NULL,
  citizen TEXT NOT NULL,
  alert_id TEXT NOT NULL,
  PRIMARY KEY (report_id, citizen)
) WITHOUT ROWID;
`;
