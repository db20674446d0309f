import type { Alert, AlertEvent, AlertState } from "../../domain/alert.js";
import type { AlertAction, AuditEntry } from "../../domain/alert-lifecycle.js";
import type { Report } from "../../domain/report.js";

/**
 * The store interface: where every report is kept and where analysts' questions
 * are answered. Implemented by the embedded Parquet/DuckDB store and (later) by
 * OpenSearch; both pass the same contract suite and give the same result shapes.
 */

/** A report as the archive consumer hands it to the store. */
export interface ArchivedReport {
  report: Report;
  /** The report exactly as received, unknown fields included. */
  raw: string;
  /** When the stream received it (epoch ms). */
  receivedAt: number;
}

export interface WriteResult {
  stored: number;
  /** Reports whose reportId was already stored (or repeated within the batch). */
  duplicates: number;
  /**
   * Reports the store refused for good (e.g. a mapping conflict), with its reason.
   * The caller dead-letters them; they are never silently dropped. Retriable
   * failures are not listed here: the store retries them or throws.
   */
  rejected: RejectedReport[];
}

export interface RejectedReport {
  reportId: string;
  reason: string;
}

/** Event-time window, epoch ms; `until` is exclusive. */
export interface TimeRange {
  since?: number;
  until?: number;
}

export interface ReportFilter extends TimeRange {
  drone?: string;
  citizen?: string;
  near?: { lat: number; lon: number; km: number };
  limit?: number;
  /**
   * Resume an export: only reports after this one in export order (event time,
   * then reportId). `ts` is the report's event time as stored (ISO, UTC).
   */
  after?: { ts: string; reportId: string };
}

export interface TopAgitatedRow {
  citizen: string;
  /** Sightings with a score below the threshold. */
  agitatedSightings: number;
  sightings: number;
  minScore: number;
  avgScore: number;
  lastSeen: string;
}

export interface ScoreTrendRow {
  bucket: string;
  sightings: number;
  avgScore: number | null;
  minScore: number | null;
}

export interface CrowdTrendRow {
  bucket: string;
  reports: number;
  /** Average number of citizens per report. */
  avgCitizens: number;
}

export interface AgitatedTrendRow {
  bucket: string;
  reports: number;
  agitatedSightings: number;
  /** Average number of agitated citizens per report. */
  avgAgitated: number;
}

export interface HotspotRow {
  /** Geohash cell; its length is the precision asked. */
  cell: string;
  /** Centre of the cell. */
  lat: number;
  lon: number;
  agitatedSightings: number;
  sightings: number;
}

export interface HotspotOptions extends TimeRange {
  /** Geohash precision 1..7 (5 ≈ 4.9 km, 6 ≈ 1.2 × 0.6 km, 7 ≈ 153 m cells). */
  precision: number;
  threshold: number;
  limit: number;
}

export interface WordRow {
  word: string;
  /** Reports with an agitated citizen in which the word was heard. */
  agitatedReports: number;
  /** All reports in which it was heard. */
  reports: number;
  /** Share among agitated reports / share among all reports; > 1 means heard more near agitation. */
  lift: number;
}

export interface WordOptions extends TimeRange {
  threshold: number;
  limit: number;
  /** Words heard in fewer agitated reports than this are left out (lift on tiny counts is noise). */
  minAgitatedReports: number;
  sort: "lift" | "count";
}

export interface SightingRow {
  ts: string;
  score: number;
  droneId: string;
  lat: number;
  lon: number;
  reportId: string;
}

export interface DroneReportRow {
  ts: string;
  lat: number;
  lon: number;
  battery: number | null;
  altitudeM: number | null;
  speedMps: number | null;
  citizens: number;
  /** Seconds since this drone's previous report in the range (null for the first). */
  gapSeconds: number | null;
}

export interface CoverageRow {
  droneId: string;
  bucket: string;
  reports: number;
}

export interface SilentDroneRow {
  droneId: string;
  lastSeen: string;
  silentMinutes: number;
}

export interface TrendOptions extends TimeRange {
  intervalMs: number;
}

export interface RawQueryResult {
  columns: string[];
  rows: Record<string, unknown>[];
}

export interface StateChange {
  operator: string;
  reason: string;
  /** Epoch ms. */
  at: number;
}

export interface AlertStateChange {
  alertId: string;
  state: AlertState;
  /** Epoch ms. */
  changedAt: number;
}

/** An alert with the trail of who changed its state, when and why. */
export interface AlertWithAudit extends Alert {
  audit: AuditEntry[];
}

export interface AlertFilter {
  state?: AlertState;
  limit?: number;
}

export interface PruneResult {
  /** UTC days (YYYY-MM-DD) deleted, or that would be with a dry run. */
  days: string[];
  /** Reports in those days. */
  reports: number;
}

export interface StoreCounts {
  reports: number;
  sightings: number;
  alerts: Record<AlertState, number>;
}

export interface Store {
  /** Human-readable location, safe to print (no secrets). */
  readonly description: string;

  /** Stores reports idempotently by reportId; everything is durable when it resolves. */
  writeReports(batch: readonly ArchivedReport[]): Promise<WriteResult>;

  /** Records alert events idempotently (per causing report and citizen). */
  recordAlertEvents(events: readonly AlertEvent[]): Promise<void>;
  /** Which of these reports already produced alert events. */
  alertedReports(reportIds: readonly string[]): Promise<Set<string>>;
  /** Alerts that may still fold repeats: not resolved, last seen within `cooldownMs` of the newest. */
  recentOpenAlerts(cooldownMs: number): Promise<Alert[]>;
  listAlerts(filter: AlertFilter): Promise<Alert[]>;
  /** One alert with its audit trail, or undefined. */
  getAlert(alertId: string): Promise<AlertWithAudit | undefined>;
  /**
   * Moves an alert along its lifecycle (open -> acked -> resolved) and records
   * operator, time and reason. Throws AlertNotFoundError / AlertStateError.
   */
  changeAlertState(
    alertId: string,
    action: AlertAction,
    change: StateChange,
  ): Promise<AlertWithAudit>;
  /** Alerts whose state an operator changed at or after `sinceMs` (the live consumer follows these). */
  alertStateChanges(sinceMs: number): Promise<AlertStateChange[]>;

  counts(): Promise<StoreCounts>;

  /** Stored reports matching the filter, oldest first (event time, then reportId), streamed. */
  reports(filter: ReportFilter): AsyncIterable<Report>;
  /** How many stored reports match, ignoring `after` and `limit` (the total an export shows). */
  countReports(filter: ReportFilter): Promise<number>;
  topAgitated(options: TimeRange & { threshold: number; limit: number }): Promise<TopAgitatedRow[]>;
  scoreTrend(options: TrendOptions): Promise<ScoreTrendRow[]>;
  crowdTrend(options: TrendOptions): Promise<CrowdTrendRow[]>;
  agitatedTrend(options: TrendOptions & { threshold: number }): Promise<AgitatedTrendRow[]>;
  hotspots(options: HotspotOptions): Promise<HotspotRow[]>;
  words(options: WordOptions): Promise<WordRow[]>;
  /** Every sighting of one citizen, oldest first (event time, then reportId). */
  citizenSightings(name: string, range: TimeRange): Promise<SightingRow[]>;
  /** Every report of one drone, oldest first, with the gap since its previous report in the range. */
  droneReports(droneId: string, range: TimeRange): Promise<DroneReportRow[]>;
  /** Reports per drone per epoch-aligned bucket, ordered by drone then bucket. */
  coverage(options: TrendOptions): Promise<CoverageRow[]>;
  /** Drones whose last report is older than `silentMs` before the newest report of any drone in the range. */
  silentDrones(options: TimeRange & { silentMs: number }): Promise<SilentDroneRow[]>;

  /**
   * Retention: deletes whole UTC days of reports and sightings that end at or
   * before `beforeMs` (alerts are kept). With `dryRun`, only says what it would delete.
   */
  prune(options: { beforeMs: number; dryRun: boolean }): Promise<PruneResult>;

  /** The raw escape hatch, in the store's own language. */
  readonly rawQueryLanguage: "sql" | "dsl";
  rawQuery(text: string): Promise<RawQueryResult>;

  close(): Promise<void>;
}
