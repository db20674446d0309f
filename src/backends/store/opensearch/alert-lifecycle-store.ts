import {
  type AlertAction,
  AlertNotFoundError,
  type AuditEntry,
  nextState,
} from "../../../domain/alert-lifecycle.js";
import { BackendError } from "../../../domain/errors.js";
import type { AlertStateChange, AlertWithAudit, StateChange } from "../types.js";
import { type AlertDocument, alertOf } from "./alert-store.js";
import type { OpenSearchHttp } from "./http.js";
import type { IndexLayout } from "./index-layout.js";
import type { Clause } from "./query-filters.js";

/** Rounds of read-check-write before concurrent changes are declared a livelock. */
const MAX_CONFLICT_ROUNDS = 5;
const PAGE_SIZE = 1000;

interface GetAnswer {
  found?: boolean;
  _seq_no?: number;
  _primary_term?: number;
  _source?: AlertDocument;
}

interface ChangesPage {
  hits: {
    hits: {
      _source: Pick<AlertDocument, "alertId" | "state" | "stateChangedMs">;
      sort: unknown[];
    }[];
  };
}

export function withAudit(doc: AlertDocument): AlertWithAudit {
  return { ...alertOf(doc), audit: doc.audit ?? [] };
}

/** The query of `alertStateChanges`: changed at or after `sinceMs`, oldest change first. */
export function stateChangesBody(sinceMs: number): Clause {
  // Stored times are whole milliseconds: ">= 10.2" is ">= 11" (epoch_millis takes no fraction).
  return {
    query: {
      bool: {
        filter: [
          { range: { stateChangedMs: { gte: Math.ceil(sinceMs), format: "epoch_millis" } } },
        ],
      },
    },
    sort: [{ stateChangedMs: "asc" }, { alertId: "asc" }],
    _source: ["alertId", "state", "stateChangedMs"],
  };
}

/**
 * The operators' side of alerts: reading one with its audit trail and moving it
 * along its lifecycle. A change is read, checked with the domain's `nextState`,
 * then written guarded by the document's sequence number, so of two operators
 * acking at once one wins and the other is told it is already acked.
 */
export class AlertLifecycleStore {
  constructor(
    private readonly http: OpenSearchHttp,
    private readonly layout: IndexLayout,
  ) {}

  /** Realtime `GET`: sees a change as soon as it is acknowledged. */
  async get(alertId: string): Promise<AlertWithAudit | undefined> {
    const doc = (await this.read(alertId))._source;
    return doc && withAudit(doc);
  }

  async change(alertId: string, action: AlertAction, change: StateChange): Promise<AlertWithAudit> {
    for (let round = 1; round <= MAX_CONFLICT_ROUNDS; round++) {
      const answer = await this.read(alertId);
      const doc = answer._source;
      if (!doc) throw new AlertNotFoundError(alertId);
      const to = nextState(doc.state, action, alertId);
      const entry: AuditEntry = {
        at: new Date(change.at).toISOString(),
        operator: change.operator,
        action,
        reason: change.reason,
        from: doc.state,
        to,
      };
      const updated: AlertDocument = {
        ...doc,
        state: to,
        stateChangedMs: change.at,
        audit: [...(doc.audit ?? []), entry],
      };
      const { status } = await this.http.request(
        {
          method: "PUT",
          path: `/${this.layout.alerts}/_doc/${encodeURIComponent(alertId)}`,
          query: {
            if_seq_no: answer._seq_no ?? 0,
            if_primary_term: answer._primary_term ?? 0,
            // Searches right after (list, state changes of other processes) must see it;
            // operators change alerts rarely, so an immediate refresh costs little.
            refresh: "true",
          },
          body: updated,
          ignore: [409],
        },
        `changing alert ${alertId}`,
      );
      if (status !== 409) return withAudit(updated);
      // Someone changed it meanwhile: check the action against the new state.
    }
    throw new BackendError(
      `alert ${alertId} kept changing under concurrent writers after ${MAX_CONFLICT_ROUNDS} rounds; try again`,
      { retriable: true },
    );
  }

  /** Alerts an operator changed at or after `sinceMs`, oldest change first (callers refresh first). */
  async changes(sinceMs: number): Promise<AlertStateChange[]> {
    const changes: AlertStateChange[] = [];
    let searchAfter: unknown[] | undefined;
    for (;;) {
      const { body } = await this.http.request<ChangesPage>(
        {
          method: "POST",
          path: `/${this.layout.alerts}/_search`,
          query: { ignore_unavailable: true, allow_no_indices: true },
          body: {
            ...stateChangesBody(sinceMs),
            size: PAGE_SIZE,
            track_total_hits: false,
            ...(searchAfter && { search_after: searchAfter }),
          },
        },
        "reading alert state changes",
      );
      const hits = body.hits.hits;
      for (const { _source: s } of hits) {
        if (s.stateChangedMs !== undefined) {
          changes.push({ alertId: s.alertId, state: s.state, changedAt: s.stateChangedMs });
        }
      }
      if (hits.length < PAGE_SIZE) return changes;
      searchAfter = hits[hits.length - 1]!.sort;
    }
  }

  private async read(alertId: string): Promise<GetAnswer> {
    // 404: no such alert, or no alerts index yet.
    const { body } = await this.http.request<GetAnswer>(
      {
        method: "GET",
        path: `/${this.layout.alerts}/_doc/${encodeURIComponent(alertId)}`,
        ignore: [404],
      },
      `reading alert ${alertId}`,
    );
    return body.found ? body : {};
  }
}
