import { BackendError, UsageError } from "../../../domain/errors.js";
import type { Report } from "../../../domain/report.js";
import type { ReportFilter } from "../types.js";
import type { OpenSearchHttp } from "./http.js";
import type { IndexLayout } from "./index-layout.js";
import {
  closePointInTime,
  indicesHolding,
  openPointInTime,
  PIT_KEEP_ALIVE,
  pointInTimeTarget,
} from "./point-in-time.js";
import { type Clause, filterQuery, reportFilterClauses } from "./query-filters.js";

/** Oldest first; (ts, reportId) is unique, so it is a complete search_after key. */
export const REPORT_SORT = [{ ts: "asc" }, { reportId: "asc" }];

/** Bytes of raw reports aimed at per page: big pages for small reports, small ones for big reports. */
const PAGE_TARGET_BYTES = 8 * 1024 * 1024;
const FIRST_PAGE_SIZE = 1000;

/** The search body of one page of `reports()`: only the stored `raw` field comes back. */
export function reportsPageBody(
  filter: ReportFilter,
  pit: string,
  size: number,
  searchAfter: unknown[] | undefined,
): Clause {
  return {
    size,
    track_total_hits: false,
    query: filterQuery(reportFilterClauses(filter)),
    sort: REPORT_SORT,
    _source: false,
    stored_fields: ["raw"],
    pit: { id: pit, keep_alive: PIT_KEEP_ALIVE },
    ...(searchAfter && { search_after: searchAfter }),
  };
}

interface ReportsPage {
  pit_id?: string;
  hits: { hits: { sort: unknown[]; fields?: { raw?: string[] } }[] };
}

/**
 * Streams the reports matching a filter, oldest first, exactly as received.
 * A point in time plus search_after: no 10 000-hit cap, one page in memory at
 * a time, and a consistent snapshot however long the export takes. Only the
 * daily indices holding matching reports are opened.
 */
export async function* streamReports(
  http: OpenSearchHttp,
  layout: IndexLayout,
  filter: ReportFilter,
  maxPageSize: number,
): AsyncGenerator<Report> {
  let remaining = filter.limit === undefined ? Infinity : Math.max(0, Math.floor(filter.limit));
  if (remaining === 0) return;
  const query = filterQuery(reportFilterClauses(filter));
  const indices = await indicesHolding(http, layout.reportsPattern, query);
  if (indices.length === 0) return;

  let pit = await openPointInTime(http, pointInTimeTarget(layout.reportsPattern, indices));
  try {
    // Resuming is where search_after starts: the export order is the sort order.
    let searchAfter = filter.after && resumeKey(filter.after);
    let pageSize = Math.min(FIRST_PAGE_SIZE, maxPageSize);
    while (remaining > 0) {
      const size = Math.min(pageSize, remaining);
      const { body } = await http.request<ReportsPage>(
        {
          method: "POST",
          path: "/_search",
          body: reportsPageBody(filter, pit, size, searchAfter),
        },
        "reading reports",
      );
      if (body.pit_id) pit = body.pit_id;
      const hits = body.hits.hits;
      let pageChars = 0;
      for (const hit of hits) {
        const raw = hit.fields?.raw?.[0];
        if (raw === undefined)
          throw new BackendError("OpenSearch returned a report without its raw text");
        pageChars += raw.length;
        yield JSON.parse(raw) as Report;
      }
      remaining -= hits.length;
      if (hits.length < size) return;
      searchAfter = hits[hits.length - 1]!.sort;
      pageSize = nextPageSize(pageChars / hits.length, maxPageSize);
    }
  } finally {
    await closePointInTime(http, pit);
  }
}

/**
 * The sort key of the report to resume after: `ts` sorts by its epoch ms. A
 * report stored with the same key is itself excluded, as in the embedded store.
 */
export function resumeKey(after: NonNullable<ReportFilter["after"]>): unknown[] {
  const tsMs = Date.parse(after.ts);
  if (!Number.isFinite(tsMs)) throw new UsageError(`cannot resume after "${after.ts}": not a time`);
  return [tsMs, after.reportId];
}

/** How many reports match the filter, ignoring `after` and `limit`. */
export async function countReports(
  http: OpenSearchHttp,
  layout: IndexLayout,
  filter: ReportFilter,
): Promise<number> {
  const { body } = await http.request<{ count: number }>(
    {
      method: "POST",
      path: `/${layout.reportsPattern}/_count`,
      query: { ignore_unavailable: true, allow_no_indices: true },
      body: { query: filterQuery(reportFilterClauses(filter)) },
    },
    "counting reports",
  );
  return body.count;
}

/** Pages of about PAGE_TARGET_BYTES: memory stays bounded whatever the reports weigh. */
export function nextPageSize(averageReportChars: number, maxPageSize: number): number {
  const fit = Math.floor(PAGE_TARGET_BYTES / Math.max(1, averageReportChars));
  return Math.max(1, Math.min(maxPageSize, fit));
}
