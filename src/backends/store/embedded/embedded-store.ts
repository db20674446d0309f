import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { AlertEvent } from "../../../domain/alert.js";
import type { AlertAction } from "../../../domain/alert-lifecycle.js";
import { BackendError, PwError } from "../../../domain/errors.js";
import { isProcessAlive } from "../../process-alive.js";
import { storageError } from "../../storage-errors.js";
import type {
  ArchivedReport,
  HotspotOptions,
  PruneResult,
  RawQueryResult,
  ReportFilter,
  StateChange,
  Store,
  TimeRange,
  TrendOptions,
  WordOptions,
  WriteResult,
} from "../types.js";
import { Catalog } from "./catalog.js";
import { DuckSession } from "./duck.js";
import { ParquetQueries } from "./parquet-queries.js";
import { SegmentWriter } from "./segment-writer.js";

export interface EmbeddedStoreOptions {
  /** pw's data dir; the store lives in `<dataDir>/store/`. */
  dataDir: string;
}

/** Creates the embedded store: Parquet segments written and queried with DuckDB, cataloged in SQLite. */
export function createEmbeddedStore(options: EmbeddedStoreOptions): Store {
  return new EmbeddedStore(join(options.dataDir, "store"));
}

const MAX_CLASH_RETRIES = 5;

/**
 * Compaction: each flush writes small segments; once a day has COMPACT_AT of
 * them (under SMALL_SEGMENT_ROWS rows), up to COMPACT_MAX are merged into one,
 * so queries open a few large files instead of thousands. A merged segment gets
 * the sum of the merged segments' rollups, committed with it in the same swap.
 * Merged files are deleted only RETIRED_GRACE_MS later, as a running query may
 * still read them.
 */
const SMALL_SEGMENT_ROWS = 1_000_000;
const COMPACT_AT = 16;
const COMPACT_MAX = 64;
const RETIRED_GRACE_MS = 30 * 60_000;

class EmbeddedStore implements Store {
  readonly description: string;
  readonly rawQueryLanguage = "sql" as const;
  private readonly catalog: Catalog;
  private readonly duck = new DuckSession();
  private readonly writer: SegmentWriter;
  private readonly queries: ParquetQueries;
  private orphansRemoved = false;

  constructor(private readonly dir: string) {
    try {
      mkdirSync(dir, { recursive: true });
      this.catalog = new Catalog(join(dir, "catalog.db"));
    } catch (cause) {
      // A full or read-only disk is named as such; anything else keeps SQLite's words.
      const mapped = storageError(cause, "open the embedded store", dir);
      if (mapped instanceof PwError) throw mapped;
      throw new BackendError(
        `cannot open the embedded store in ${dir}: ${(cause as Error).message}`,
        {
          cause,
        },
      );
    }
    this.description = `embedded store at ${dir}`;
    this.writer = new SegmentWriter(dir, this.duck);
    this.queries = new ParquetQueries(dir, this.catalog, this.duck);
  }

  async writeReports(batch: readonly ArchivedReport[]): Promise<WriteResult> {
    // A failed write leaves at most orphan segment files (removed on a later
    // start); a full or read-only disk is reported as such, not as a defect.
    try {
      return await this.storeReports(batch);
    } catch (error) {
      throw storageError(error, "write reports", this.dir);
    }
  }

  private async storeReports(batch: readonly ArchivedReport[]): Promise<WriteResult> {
    if (!this.orphansRemoved) {
      this.removeOrphans();
      this.orphansRemoved = true;
    }
    // First occurrence wins inside the batch; anything already stored is skipped.
    const unique = new Map<string, ArchivedReport>();
    for (const a of batch) if (!unique.has(a.report.reportId)) unique.set(a.report.reportId, a);
    for (const id of this.catalog.storedReportIds([...unique.keys()])) unique.delete(id);

    for (let attempt = 0; unique.size > 0; attempt++) {
      const segments = await this.writer.write([...unique.values()]);
      const clashes = this.catalog.commitSegments(segments, [...unique.keys()]);
      if (clashes.size === 0) {
        await this.compact();
        return { stored: unique.size, duplicates: batch.length - unique.size, rejected: [] };
      }
      // Another writer stored some of these meanwhile: drop them and write again.
      for (const s of segments) rmSync(join(this.dir, s.path), { force: true });
      for (const id of clashes) unique.delete(id);
      if (attempt >= MAX_CLASH_RETRIES) {
        throw new BackendError("could not commit a segment: concurrent writers keep clashing", {
          retriable: true,
        });
      }
    }
    return { stored: 0, duplicates: batch.length, rejected: [] };
  }

  /** Merges small segments day by day; safe with several archive processes at once. */
  async compact(): Promise<{ merged: number; written: number }> {
    let merged = 0;
    let written = 0;
    for (const kind of ["reports", "sightings"] as const) {
      for (const group of this.catalog.compactionCandidates(
        kind,
        SMALL_SEGMENT_ROWS,
        COMPACT_AT,
        COMPACT_MAX,
      )) {
        const rollups = this.catalog.rollupsOf(group.map((s) => s.id));
        const replacements = await this.writer.merge(group, rollups);
        if (this.catalog.swapSegments(group, replacements)) {
          merged += group.length;
          written++;
        } else {
          // Another archive process compacted these first.
          for (const s of replacements) rmSync(join(this.dir, s.path), { force: true });
        }
      }
    }
    for (const path of this.catalog.purgeRetired(RETIRED_GRACE_MS)) {
      rmSync(join(this.dir, path), { force: true });
    }
    return { merged, written };
  }

  async recordAlertEvents(events: readonly AlertEvent[]): Promise<void> {
    try {
      if (events.length > 0) this.catalog.recordAlertEvents(events);
    } catch (error) {
      throw storageError(error, "record alerts", this.dir);
    }
  }

  async alertedReports(reportIds: readonly string[]) {
    return this.catalog.alertedReports(reportIds);
  }

  async recentOpenAlerts(cooldownMs: number) {
    return this.catalog.recentOpenAlerts(cooldownMs);
  }

  async listAlerts(filter: Parameters<Store["listAlerts"]>[0]) {
    return this.catalog.listAlerts(filter);
  }

  async getAlert(alertId: string) {
    return this.catalog.getAlert(alertId);
  }

  async changeAlertState(alertId: string, action: AlertAction, change: StateChange) {
    return this.catalog.changeAlertState(alertId, action, change);
  }

  async alertStateChanges(sinceMs: number) {
    return this.catalog.alertStateChanges(sinceMs);
  }

  async counts() {
    return {
      reports: this.catalog.rowCount("reports"),
      sightings: this.catalog.rowCount("sightings"),
      alerts: this.catalog.alertCounts(),
    };
  }

  reports(filter: Parameters<Store["reports"]>[0]) {
    return this.queries.reports(filter);
  }
  topAgitated(options: Parameters<Store["topAgitated"]>[0]) {
    return this.queries.topAgitated(options);
  }
  scoreTrend(options: Parameters<Store["scoreTrend"]>[0]) {
    return this.queries.scoreTrend(options);
  }
  crowdTrend(options: Parameters<Store["crowdTrend"]>[0]) {
    return this.queries.crowdTrend(options);
  }
  agitatedTrend(options: Parameters<Store["agitatedTrend"]>[0]) {
    return this.queries.agitatedTrend(options);
  }
  countReports(filter: ReportFilter) {
    return this.queries.countReports(filter);
  }
  hotspots(options: HotspotOptions) {
    return this.queries.hotspots(options);
  }
  words(options: WordOptions) {
    return this.queries.words(options);
  }
  citizenSightings(name: string, range: TimeRange) {
    return this.queries.citizen(name, range);
  }
  droneReports(droneId: string, range: TimeRange) {
    return this.queries.drone(droneId, range);
  }
  coverage(options: TrendOptions) {
    return this.queries.coverage(options);
  }
  silentDrones(options: TimeRange & { silentMs: number }) {
    return this.queries.silentDrones(options);
  }

  /**
   * Drops whole days at once. Files go immediately (retention frees disk now), so
   * a query already reading one of those days may fail; reportIds stay known, so
   * a very late redelivery of a pruned report is still recognised.
   */
  async prune({ beforeMs, dryRun }: { beforeMs: number; dryRun: boolean }): Promise<PruneResult> {
    const beforeDay = new Date(Math.floor(beforeMs / 86_400_000) * 86_400_000)
      .toISOString()
      .slice(0, 10);
    const days = this.catalog.daysBefore(beforeDay);
    const result = {
      days: days.map((d) => d.day),
      reports: days.reduce((n, d) => n + d.reports, 0),
    };
    if (!dryRun && days.length > 0) {
      for (const path of this.catalog.dropDays(result.days))
        rmSync(join(this.dir, path), { force: true });
      for (const day of result.days) {
        for (const kind of ["reports", "sightings", "words", "citizens"]) {
          rmSync(join(this.dir, kind, `day=${day}`), { recursive: true, force: true });
        }
      }
    }
    return result;
  }

  async rawQuery(text: string): Promise<RawQueryResult> {
    const alerts = this.catalog.listAlerts({});
    let alertsPath: string | undefined;
    if (alerts.length > 0) {
      alertsPath = join(this.dir, "tmp", `alerts-${process.pid}.ndjson`);
      mkdirSync(join(this.dir, "tmp"), { recursive: true });
      writeFileSync(alertsPath, alerts.map((a) => JSON.stringify(a)).join("\n"));
    }
    try {
      return await this.queries.sql(text, alertsPath);
    } finally {
      if (alertsPath) rmSync(alertsPath, { force: true });
    }
  }

  async close(): Promise<void> {
    this.duck.close();
    this.catalog.close();
  }

  /**
   * Deletes files a crashed writer left behind: segments never committed and
   * staging files. A file is only touched when the pid in its name is gone or is
   * ours (we have written nothing yet), so a live writer's work is left alone.
   */
  private removeOrphans(): void {
    const committed = this.catalog.allSegmentPaths();
    for (const path of walk(this.dir)) {
      const rel = relative(this.dir, path);
      if (rel === "catalog.db" || rel.startsWith("catalog.db-") || committed.has(rel)) continue;
      const pid = Number(
        /(?:^|[/-])(?:seg-)?(\d+)-[0-9a-z]+-[0-9a-f]+\.(?:parquet|tsv)$/.exec(rel)?.[1],
      );
      if (!Number.isInteger(pid)) continue;
      if (pid === process.pid || !isProcessAlive(pid)) rmSync(path, { force: true });
    }
  }
}

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}
