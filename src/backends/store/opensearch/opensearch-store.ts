import type { AlertEvent } from "../../../domain/alert.js";
import type { AlertAction } from "../../../domain/alert-lifecycle.js";
import type { Report } from "../../../domain/report.js";
import type {
  AlertFilter,
  AlertStateChange,
  AlertWithAudit,
  ArchivedReport,
  CoverageRow,
  DroneReportRow,
  HotspotOptions,
  HotspotRow,
  PruneResult,
  RawQueryResult,
  ReportFilter,
  SightingRow,
  SilentDroneRow,
  StateChange,
  Store,
  StoreCounts,
  TimeRange,
  TrendOptions,
  WordOptions,
  WordRow,
  WriteResult,
} from "../types.js";
import { AlertLifecycleStore } from "./alert-lifecycle-store.js";
import { AlertStore } from "./alert-store.js";
import { BulkWriter, sendBulkWith } from "./bulk-writer.js";
import { type OpenSearchStoreOptions, resolveOpenSearchConfig } from "./config.js";
import { FleetQueries } from "./fleet-queries.js";
import { hotspots } from "./hotspots-query.js";
import { OpenSearchHttp } from "./http.js";
import { type IndexLayout, indexLayout, indexTemplates } from "./index-layout.js";
import { type DslTarget, parseDslQuery, searchAnswerRows } from "./raw-query.js";
import { ReportWriter } from "./report-writer.js";
import { countReports, streamReports } from "./reports-query.js";
import { RequestSlots } from "./request-slots.js";
import { pruneDailyIndices } from "./retention.js";
import { citizenSightings, droneReports } from "./timeline-queries.js";
import { topAgitated } from "./top-agitated-query.js";
import { TrendQueries } from "./trend-queries.js";
import { words } from "./words-query.js";

export type { OpenSearchStoreOptions } from "./config.js";

/**
 * Creates the OpenSearch store. The options are validated here (a UsageError
 * names the bad setting); nothing connects until the store is used. Index
 * templates are installed on the first write.
 *
 * Read-your-writes: writes use the default refresh policy (durable once
 * acknowledged, searchable within the refresh interval), and every query first
 * refreshes the indices it reads, which costs nothing when nothing changed.
 * So a query sees every write that resolved before it, as with the embedded
 * store, without slowing the archive path down with forced refreshes.
 */
export function createOpenSearchStore(options: OpenSearchStoreOptions): Store {
  return new OpenSearchStore(options);
}

class OpenSearchStore implements Store {
  readonly description: string;
  readonly rawQueryLanguage = "dsl" as const;
  private readonly http: OpenSearchHttp;
  private readonly layout: IndexLayout;
  private readonly reportWriter: ReportWriter;
  private readonly alerts: AlertStore;
  private readonly lifecycle: AlertLifecycleStore;
  private readonly trends: TrendQueries;
  private readonly fleet: FleetQueries;
  private readonly reportsPageSize: number;
  private templatesInstalled: Promise<void> | undefined;

  constructor(options: OpenSearchStoreOptions) {
    const config = resolveOpenSearchConfig(options);
    this.description = config.description;
    this.reportsPageSize = config.reportsPageSize;
    this.http = new OpenSearchHttp(config);
    this.layout = indexLayout(config.prefix);
    const bulk = new BulkWriter({
      send: sendBulkWith(this.http),
      tuning: config.bulk,
      slots: new RequestSlots(config.bulk.concurrency),
    });
    this.reportWriter = new ReportWriter(this.layout, this.http, bulk, config.bulk);
    this.alerts = new AlertStore(this.http, this.layout, bulk);
    this.lifecycle = new AlertLifecycleStore(this.http, this.layout);
    this.trends = new TrendQueries(this.http, this.layout);
    this.fleet = new FleetQueries(this.http, this.layout);
  }

  async writeReports(batch: readonly ArchivedReport[]): Promise<WriteResult> {
    if (batch.length === 0) return { stored: 0, duplicates: 0, rejected: [] };
    await this.installTemplates();
    return this.reportWriter.write(batch);
  }

  async recordAlertEvents(events: readonly AlertEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.installTemplates();
    await this.alerts.record(events);
  }

  alertedReports(reportIds: readonly string[]): Promise<Set<string>> {
    return this.alerts.alertedReports(reportIds);
  }

  async recentOpenAlerts(cooldownMs: number) {
    await this.refresh(this.layout.alerts);
    return this.alerts.recentOpen(cooldownMs);
  }

  async listAlerts(filter: AlertFilter) {
    await this.refresh(this.layout.alerts);
    return this.alerts.list(filter);
  }

  getAlert(alertId: string): Promise<AlertWithAudit | undefined> {
    return this.lifecycle.get(alertId);
  }

  changeAlertState(
    alertId: string,
    action: AlertAction,
    change: StateChange,
  ): Promise<AlertWithAudit> {
    return this.lifecycle.change(alertId, action, change);
  }

  async alertStateChanges(sinceMs: number): Promise<AlertStateChange[]> {
    await this.refresh(this.layout.alerts);
    return this.lifecycle.changes(sinceMs);
  }

  async prune(options: { beforeMs: number; dryRun: boolean }): Promise<PruneResult> {
    // Document counts of the indices are read from _cat: refresh so they are current.
    await this.refresh(this.layout.reportsPattern);
    return pruneDailyIndices(this.http, this.layout, options.beforeMs, options.dryRun);
  }

  async counts(): Promise<StoreCounts> {
    const { reportsPattern, sightingsPattern, alerts } = this.layout;
    await this.refresh(reportsPattern, sightingsPattern, alerts);
    const [reports, sightings, alertCounts] = await Promise.all([
      this.count(reportsPattern),
      this.count(sightingsPattern),
      this.alerts.counts(),
    ]);
    return { reports, sightings, alerts: alertCounts };
  }

  async *reports(filter: ReportFilter): AsyncIterable<Report> {
    await this.refresh(this.layout.reportsPattern);
    yield* streamReports(this.http, this.layout, filter, this.reportsPageSize);
  }

  async countReports(filter: ReportFilter): Promise<number> {
    await this.refresh(this.layout.reportsPattern);
    return countReports(this.http, this.layout, filter);
  }

  async topAgitated(options: TimeRange & { threshold: number; limit: number }) {
    await this.refresh(this.layout.sightingsPattern);
    return topAgitated(this.http, this.layout, options);
  }

  async scoreTrend(options: TrendOptions) {
    await this.refresh(this.layout.sightingsPattern);
    return this.trends.scoreTrend(options);
  }

  async crowdTrend(options: TrendOptions) {
    await this.refresh(this.layout.reportsPattern);
    return this.trends.crowdTrend(options);
  }

  async agitatedTrend(options: TrendOptions & { threshold: number }) {
    await this.refresh(this.layout.reportsPattern, this.layout.sightingsPattern);
    return this.trends.agitatedTrend(options);
  }

  async hotspots(options: HotspotOptions): Promise<HotspotRow[]> {
    await this.refresh(this.layout.sightingsPattern);
    return hotspots(this.http, this.layout, options);
  }

  async words(options: WordOptions): Promise<WordRow[]> {
    await this.refresh(this.layout.reportsPattern);
    return words(this.http, this.layout, options);
  }

  async citizenSightings(name: string, range: TimeRange): Promise<SightingRow[]> {
    await this.refresh(this.layout.sightingsPattern);
    return citizenSightings(this.http, this.layout, name, range);
  }

  async droneReports(droneId: string, range: TimeRange): Promise<DroneReportRow[]> {
    await this.refresh(this.layout.reportsPattern);
    return droneReports(this.http, this.layout, droneId, range);
  }

  async coverage(options: TrendOptions): Promise<CoverageRow[]> {
    await this.refresh(this.layout.reportsPattern);
    return this.fleet.coverage(options);
  }

  async silentDrones(options: TimeRange & { silentMs: number }): Promise<SilentDroneRow[]> {
    await this.refresh(this.layout.reportsPattern);
    return this.fleet.silentDrones(options);
  }

  /**
   * Runs a JSON search body (`pw query dsl`) with `_search` only, so it cannot
   * change anything. See raw-query.ts for the optional `index` key and the shape
   * of the rows.
   */
  async rawQuery(text: string): Promise<RawQueryResult> {
    const { target, body } = parseDslQuery(text);
    const index = this.dslIndex(target);
    await this.refresh(index);
    const { body: answer } = await this.http.request<Parameters<typeof searchAnswerRows>[0]>(
      {
        method: "POST",
        path: `/${index}/_search`,
        query: { ignore_unavailable: true, allow_no_indices: true },
        body,
        badRequest: "usage",
      },
      "running a DSL query",
    );
    return searchAnswerRows(answer);
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  private dslIndex(target: DslTarget): string {
    if (target === "sightings") return this.layout.sightingsPattern;
    if (target === "alerts") return this.layout.alerts;
    return this.layout.reportsPattern;
  }

  private async count(index: string): Promise<number> {
    const { body } = await this.http.request<{ count: number }>(
      {
        method: "GET",
        path: `/${index}/_count`,
        query: { ignore_unavailable: true, allow_no_indices: true },
      },
      "counting documents",
    );
    return body.count;
  }

  /**
   * Makes every acknowledged write to these indices visible to the next search.
   * A reader allowed to search but not to refresh (403) still gets answers, as
   * of the last periodic refresh (one second by default).
   */
  private async refresh(...indices: string[]): Promise<void> {
    await this.http.request(
      {
        method: "POST",
        path: `/${indices.join(",")}/_refresh`,
        query: { ignore_unavailable: true, allow_no_indices: true },
        ignore: [403],
      },
      "refreshing indices",
    );
  }

  /** Once per store; a failure is not cached, so the next write tries again. */
  private installTemplates(): Promise<void> {
    this.templatesInstalled ??= Promise.all(
      Object.entries(indexTemplates(this.layout)).map(([name, template]) =>
        this.http.request(
          { method: "PUT", path: `/_index_template/${name}`, body: template },
          `installing index template ${name}`,
        ),
      ),
    ).then(
      () => undefined,
      (error: unknown) => {
        this.templatesInstalled = undefined;
        throw error;
      },
    );
    return this.templatesInstalled;
  }
}
