/**
 * Names and mappings of the store's indices. Everything carries the store's
 * prefix (default `pw-`), so several stores, or test runs, share one cluster:
 *
 * - `<prefix>reports-YYYY.MM.DD`: one document per report, `_id` = reportId,
 *   in the index of the UTC day of its event time.
 * - `<prefix>sightings-YYYY.MM.DD`: one document per (report, citizen), `_id` =
 *   `<reportId>:<index of the citizen>`, same day as its report.
 * - `<prefix>alerts`: one document per alert, `_id` = alertId.
 * - `<prefix>alert-reports`: one document per report that produced alert
 *   events, `_id` = reportId (answers `alertedReports` with a realtime `_mget`).
 *
 * The mappings live in composable index templates, so daily indices are created
 * by the first write that needs them.
 */

const DAY_MS = 86_400_000;

/** Priority of pw's templates: above catch-all templates a cluster may have. */
const TEMPLATE_PRIORITY = 500;

export interface IndexLayout {
  prefix: string;
  /** `<prefix>reports-*` */
  reportsPattern: string;
  /** `<prefix>sightings-*` */
  sightingsPattern: string;
  alerts: string;
  alertReports: string;
  reportsIndex(tsMs: number): string;
  sightingsIndex(tsMs: number): string;
}

export function indexLayout(prefix: string): IndexLayout {
  const daily = (kind: string, tsMs: number) => `${prefix}${kind}-${utcDay(tsMs)}`;
  return {
    prefix,
    reportsPattern: `${prefix}reports-*`,
    sightingsPattern: `${prefix}sightings-*`,
    alerts: `${prefix}alerts`,
    alertReports: `${prefix}alert-reports`,
    reportsIndex: (tsMs) => daily("reports", tsMs),
    sightingsIndex: (tsMs) => daily("sightings", tsMs),
  };
}

/** `YYYY.MM.DD` of the UTC day holding `tsMs`. */
export function utcDay(tsMs: number): string {
  const day = new Date(Math.floor(tsMs / DAY_MS) * DAY_MS);
  const year = String(day.getUTCFullYear()).padStart(4, "0");
  const month = String(day.getUTCMonth() + 1).padStart(2, "0");
  const date = String(day.getUTCDate()).padStart(2, "0");
  return `${year}.${month}.${date}`;
}

/** Names of pw's templates for a prefix, e.g. to delete them. */
export function templateNames(prefix: string): string[] {
  return Object.keys(indexTemplates(indexLayout(prefix)));
}

/** The composable index templates, by template name. */
export function indexTemplates(layout: IndexLayout): Record<string, IndexTemplate> {
  const { prefix } = layout;
  return {
    [`${prefix}reports`]: template([layout.reportsPattern], REPORT_MAPPINGS, REPORT_ANALYSIS),
    [`${prefix}sightings`]: template([layout.sightingsPattern], SIGHTING_MAPPINGS),
    [`${prefix}alerts`]: template([layout.alerts], ALERT_MAPPINGS),
    [`${prefix}alert-reports`]: template([layout.alertReports], ALERT_REPORT_MAPPINGS),
  };
}

export interface IndexTemplate {
  index_patterns: string[];
  priority: number;
  template: { settings: Record<string, unknown>; mappings: Record<string, unknown> };
  _meta: { managed_by: string };
}

function template(
  patterns: string[],
  mappings: Record<string, unknown>,
  settings: Record<string, unknown> = {},
): IndexTemplate {
  return {
    index_patterns: patterns,
    priority: TEMPLATE_PRIORITY,
    template: {
      settings: {
        // Daily indices stay small: one shard each. A replica wherever there is a
        // second node to hold it, none on a single node (so health stays green).
        number_of_shards: 1,
        auto_expand_replicas: "0-1",
        ...settings,
      },
      mappings,
    },
    _meta: { managed_by: "pw" },
  };
}

const keyword = { type: "keyword" };
const double = { type: "double" };
/** Times are sent as UTC ISO strings (parsed in TS); queries may use ISO dates or epoch ms. */
const date = { type: "date", format: "strict_date_optional_time||epoch_millis" };
const geoPoint = { type: "geo_point" };

/**
 * `words.lower` keys each report by its distinct lower-cased words at index
 * time (a keyword's doc values hold each value once per document), so the words
 * question counts reports per word exactly, without scripts. The lowercase
 * filter maps code point by code point, as the embedded store's lower() does.
 */
const REPORT_ANALYSIS = {
  analysis: { normalizer: { pw_lowercase: { type: "custom", filter: ["lowercase"] } } },
};

/**
 * Reports: the known fields are mapped explicitly; unknown top-level fields of
 * a report go under `extra` with dynamic mapping (strings as keywords, numbers
 * as doubles, no date guessing), so analysts can query them, and a report whose
 * extra field contradicts an earlier one is refused (and dead-lettered) rather
 * than silently dropped. `raw`, the report exactly as received, is stored but
 * not indexed, and kept out of `_source` so it is not held twice.
 */
const REPORT_MAPPINGS = {
  dynamic: "strict",
  date_detection: false,
  numeric_detection: false,
  _source: { excludes: ["raw"] },
  dynamic_templates: [
    {
      extra_strings: {
        path_match: "extra.*",
        match_mapping_type: "string",
        mapping: { type: "keyword", ignore_above: 1024 },
      },
    },
    { extra_integers: { path_match: "extra.*", match_mapping_type: "long", mapping: double } },
  ],
  properties: {
    reportId: keyword,
    droneId: keyword,
    ts: date,
    receivedAt: date,
    location: geoPoint,
    geohash: keyword,
    citizens: { properties: { name: keyword, score: double } },
    citizenCount: { type: "integer" },
    minScore: double,
    words: { type: "keyword", fields: { lower: { type: "keyword", normalizer: "pw_lowercase" } } },
    telemetry: {
      properties: {
        battery: double,
        altitudeM: double,
        headingDeg: double,
        speedMps: double,
        firmware: keyword,
      },
    },
    extra: { type: "object", dynamic: true },
    raw: { type: "keyword", index: false, doc_values: false, store: true },
  },
};

const SIGHTING_MAPPINGS = {
  dynamic: "strict",
  properties: {
    reportId: keyword,
    droneId: keyword,
    ts: date,
    location: geoPoint,
    geohash: keyword,
    name: keyword,
    score: double,
  },
};

/**
 * Alerts keep their own ISO strings as given (a report's offset survives); the
 * derived epoch fields `detectedMs` and `lastReportMs` are what queries sort and
 * filter on. Fields not listed stay in `_source` unindexed (dynamic: false), so a
 * new Alert field never breaks a write.
 */
const ALERT_MAPPINGS = {
  dynamic: false,
  properties: {
    alertId: keyword,
    rule: keyword,
    severity: keyword,
    state: keyword,
    citizen: keyword,
    score: double,
    droneId: keyword,
    location: geoPoint,
    reportId: keyword,
    occurrences: { type: "integer" },
    lastScore: double,
    lastDroneId: keyword,
    lastLocation: geoPoint,
    lastReportId: keyword,
    words: keyword,
    detectedMs: date,
    lastReportMs: date,
    // When an operator last changed the state (absent until then); the audit trail stays unindexed.
    stateChangedMs: date,
  },
};

const ALERT_REPORT_MAPPINGS = {
  dynamic: "strict",
  properties: { reportId: keyword },
};
