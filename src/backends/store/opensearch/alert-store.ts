import type { Alert, AlertEvent, AlertState } from "../../../domain/alert.js";
import type { AuditEntry } from "../../../domain/alert-lifecycle.js";
import { BackendError } from "../../../domain/errors.js";
import type { AlertFilter } from "../types.js";
import { serializeOperation } from "./bulk-body.js";
import type { BulkWriter } from "./bulk-writer.js";
import { describeServerError, type OpenSearchHttp, type ServerError } from "./http.js";
import type { IndexLayout } from "./index-layout.js";
import { type Clause, filterQuery } from "./query-filters.js";

/** Rounds of read-compare-write before concurrent writers are declared a livelock. */
const MAX_CONFLICT_ROUNDS = 5;
const PAGE_SIZE = 1000;
const IDS_PER_MGET = 1000;
/**
 * Per-document `_mget` failures that clear up by themselves: a shard not
 * allocated yet, as just after OpenSearch restarted. The caller may try again.
 */
const TRANSIENT_DOC_ERRORS = new Set([
  "no_shard_available_action_exception",
  "unavailable_shards_exception",
]);

/**
 * An alert as indexed: the Alert plus the epoch times queries sort and filter
 * on, and once an operator changed its state, when and the audit trail.
 */
export interface AlertDocument extends Alert {
  detectedMs?: number;
  lastReportMs?: number;
  stateChangedMs?: number;
  audit?: AuditEntry[];
}

/** What operators own in an alert document: kept as is when the consumer updates the alert. */
export type OperatorFields = Pick<AlertDocument, "state" | "stateChangedMs" | "audit">;

export function alertDocument(alert: Alert, operator: AlertState | OperatorFields): AlertDocument {
  const owned = typeof operator === "string" ? { state: operator } : operator;
  const doc: AlertDocument = { ...alert, state: owned.state };
  if (owned.stateChangedMs !== undefined) doc.stateChangedMs = owned.stateChangedMs;
  if (owned.audit !== undefined) doc.audit = owned.audit;
  const detectedMs = Date.parse(alert.detectedAt);
  const lastReportMs = Date.parse(alert.lastReportTs);
  if (Number.isFinite(detectedMs)) doc.detectedMs = detectedMs;
  if (Number.isFinite(lastReportMs)) doc.lastReportMs = lastReportMs;
  return doc;
}

export function alertOf(doc: AlertDocument): Alert {
  const {
    detectedMs: _detected,
    lastReportMs: _lastReport,
    stateChangedMs: _changed,
    audit: _audit,
    ...alert
  } = doc;
  return alert;
}

/**
 * The newest version of each alert among events: the most occurrences wins,
 * the first of equals (a redelivery never rolls an alert back).
 */
export function latestAlerts(events: readonly AlertEvent[]): Map<string, Alert> {
  const latest = new Map<string, Alert>();
  for (const { alert } of events) {
    const known = latest.get(alert.alertId);
    if (!known || alert.occurrences > known.occurrences) latest.set(alert.alertId, alert);
  }
  return latest;
}

/** The query of `listAlerts`: newest detection first. */
export function listAlertsBody(filter: AlertFilter): Clause {
  return {
    query: filterQuery(filter.state === undefined ? [] : [{ term: { state: filter.state } }]),
    sort: [{ detectedMs: "desc" }, { alertId: "asc" }],
  };
}

/** The query of `recentOpenAlerts`: not resolved, last seen at or after `sinceMs`. */
export function recentOpenAlertsBody(sinceMs: number): Clause {
  // Stored times are whole milliseconds: ">= 10.2" is ">= 11" (epoch_millis takes no fraction).
  return {
    query: {
      bool: {
        filter: [{ range: { lastReportMs: { gte: Math.ceil(sinceMs), format: "epoch_millis" } } }],
        must_not: [{ term: { state: "resolved" } }],
      },
    },
    sort: [{ alertId: "asc" }],
  };
}

interface MgetDoc<S> {
  _id: string;
  found?: boolean;
  _seq_no?: number;
  _primary_term?: number;
  _source?: S;
  error?: ServerError;
}

interface SearchPage<S> {
  hits: { hits: { _source: S; sort: unknown[] }[] };
  aggregations?: Record<string, unknown>;
}

/**
 * Alerts in `<prefix>alerts` (one document per alert) and the reports that
 * produced alert events in `<prefix>alert-reports`. Without scripts, an alert is
 * updated by read, compare, then write guarded by its sequence number: a
 * concurrent change makes the write fail with 409 and the round starts again.
 * The stored `state` (and its audit trail) is never overwritten: operators own
 * it, and the sequence-number guard makes a write that raced an operator's
 * change fail and start again from the changed state.
 */
export class AlertStore {
  constructor(
    private readonly http: OpenSearchHttp,
    private readonly layout: IndexLayout,
    private readonly bulk: BulkWriter,
  ) {}

  async record(events: readonly AlertEvent[]): Promise<void> {
    if (events.length === 0) return;
    let pending = latestAlerts(events);
    for (let round = 1; pending.size > 0; round++) {
      if (round > MAX_CONFLICT_ROUNDS) {
        throw new BackendError(
          `alerts kept changing under concurrent writers after ${MAX_CONFLICT_ROUNDS} rounds; try again`,
          { retriable: true },
        );
      }
      const stored = await this.mget<AlertDocument>(
        this.layout.alerts,
        [...pending.keys()],
        ["occurrences", "state", "stateChangedMs", "audit"],
      );
      const lines: string[] = [];
      const ids: string[] = [];
      for (const [alertId, alert] of pending) {
        const current = stored.get(alertId);
        if (!current?._source) {
          lines.push(
            serializeOperation({
              action: "create",
              index: this.layout.alerts,
              id: alertId,
              source: alertDocument(alert, "open"),
            }),
          );
        } else if (alert.occurrences > current._source.occurrences) {
          lines.push(
            serializeOperation({
              action: "index",
              index: this.layout.alerts,
              id: alertId,
              // The whole document is replaced: carry the operators' fields over.
              source: alertDocument(alert, current._source),
              ...(current._seq_no !== undefined && { ifSeqNo: current._seq_no }),
              ...(current._primary_term !== undefined && { ifPrimaryTerm: current._primary_term }),
            }),
          );
        } else continue;
        ids.push(alertId);
      }
      const answers = await this.bulk.write(lines, "recording alerts");
      const conflicts = new Map<string, Alert>();
      answers.forEach((answer, i) => {
        const alertId = ids[i]!;
        if (answer.status === 409) conflicts.set(alertId, pending.get(alertId)!);
        else if (answer.status !== 200 && answer.status !== 201) {
          throw new BackendError(
            `OpenSearch failed recording alert ${alertId} (HTTP ${answer.status}): ${describeServerError(answer.error)}`,
          );
        }
      });
      pending = conflicts;
    }

    // After the alerts: a crash in between makes the report look unprocessed, and
    // processing it again records the same events, which changes nothing.
    const reportIds = [...new Set(events.map((e) => e.reportId))];
    const answers = await this.bulk.write(
      reportIds.map((reportId) =>
        serializeOperation({
          action: "index",
          index: this.layout.alertReports,
          id: reportId,
          source: { reportId },
        }),
      ),
      "recording alerted reports",
    );
    answers.forEach((answer, i) => {
      if (answer.status !== 200 && answer.status !== 201) {
        throw new BackendError(
          `OpenSearch failed recording alerted report ${reportIds[i]} (HTTP ${answer.status}): ${describeServerError(answer.error)}`,
        );
      }
    });
  }

  /** Realtime: `_mget` sees a write as soon as it is acknowledged, no refresh needed. */
  async alertedReports(reportIds: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    const docs = await this.mget(this.layout.alertReports, reportIds, false);
    for (const [id, doc] of docs) if (doc.found) found.add(id);
    return found;
  }

  async recentOpen(cooldownMs: number): Promise<Alert[]> {
    // "Recent" is relative to the newest alert of all, resolved ones included.
    const { body } = await this.search<never>({
      size: 0,
      aggs: { newest: { max: { field: "lastReportMs" } } },
    });
    const newest = (body.aggregations?.newest as { value: number | null } | undefined)?.value;
    if (newest === undefined || newest === null) return [];
    const alerts: Alert[] = [];
    for await (const doc of this.all(recentOpenAlertsBody(newest - cooldownMs), Infinity)) {
      alerts.push(alertOf(doc));
    }
    return alerts;
  }

  async list(filter: AlertFilter): Promise<Alert[]> {
    const alerts: Alert[] = [];
    const limit = filter.limit === undefined ? Infinity : Math.max(0, filter.limit);
    for await (const doc of this.all(listAlertsBody(filter), limit)) alerts.push(alertOf(doc));
    return alerts;
  }

  async counts(): Promise<Record<AlertState, number>> {
    const counts: Record<AlertState, number> = { open: 0, acked: 0, resolved: 0 };
    const { body } = await this.search({
      size: 0,
      aggs: { states: { terms: { field: "state", size: 10 } } },
    });
    const states = body.aggregations?.states as
      | { buckets: { key: AlertState; doc_count: number }[] }
      | undefined;
    for (const bucket of states?.buckets ?? []) counts[bucket.key] = bucket.doc_count;
    return counts;
  }

  /** Every hit of a sorted query, page after page with search_after, up to `limit`. */
  private async *all(body: Clause, limit: number): AsyncGenerator<AlertDocument> {
    let remaining = limit;
    let searchAfter: unknown[] | undefined;
    while (remaining > 0) {
      const size = Math.min(PAGE_SIZE, remaining);
      const { body: page } = await this.search<AlertDocument>({
        ...body,
        size,
        track_total_hits: false,
        ...(searchAfter && { search_after: searchAfter }),
      });
      const hits = page.hits.hits;
      for (const hit of hits) yield hit._source;
      remaining -= hits.length;
      if (hits.length < size) return;
      searchAfter = hits[hits.length - 1]!.sort;
    }
  }

  private async search<S>(body: Clause): Promise<{ body: SearchPage<S> }> {
    return this.http.request<SearchPage<S>>(
      {
        method: "POST",
        path: `/${this.layout.alerts}/_search`,
        query: { ignore_unavailable: true, allow_no_indices: true },
        body,
      },
      "reading alerts",
    );
  }

  /** Documents by id; an index not created yet holds none. */
  private async mget<S>(
    index: string,
    ids: readonly string[],
    source: string[] | false,
  ): Promise<Map<string, MgetDoc<S>>> {
    const docs = new Map<string, MgetDoc<S>>();
    for (let i = 0; i < ids.length; i += IDS_PER_MGET) {
      const { body } = await this.http.request<{ docs: MgetDoc<S>[] }>(
        {
          method: "POST",
          path: "/_mget",
          body: {
            docs: ids
              .slice(i, i + IDS_PER_MGET)
              .map((id) => ({ _index: index, _id: id, _source: source })),
          },
        },
        "reading alerts",
      );
      for (const doc of body.docs) {
        if (doc.error && doc.error.type !== "index_not_found_exception") {
          throw new BackendError(
            `OpenSearch failed reading ${index}: ${describeServerError(doc.error)}`,
            { retriable: TRANSIENT_DOC_ERRORS.has(doc.error.type ?? "") },
          );
        }
        docs.set(doc._id, doc);
      }
    }
    return docs;
  }
}
