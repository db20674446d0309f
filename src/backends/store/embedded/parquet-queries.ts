import { join } from "node:path";
import { StatementType } from "@duckdb/node-api";
import { UsageError } from "../../../domain/errors.js";
import { geohashCell } from "../../../domain/geohash.js";
import type { Report } from "../../../domain/report.js";
import type {
  AgitatedTrendRow,
  CoverageRow,
  CrowdTrendRow,
  DroneReportRow,
  HotspotOptions,
  HotspotRow,
  RawQueryResult,
  ReportFilter,
  ScoreTrendRow,
  SightingRow,
  SilentDroneRow,
  TimeRange,
  TopAgitatedRow,
  TrendOptions,
  WordOptions,
  WordRow,
} from "../types.js";
import type { Catalog, SegmentWithRollup } from "./catalog.js";
import { emptyRelation, REPORT_COLUMNS, SIGHTING_COLUMNS, sqlString } from "./columns.js";
import { type DuckSession, toPlain } from "./duck.js";

type Params = Record<string, string | number>;

/**
 * Answers the analysts' questions with DuckDB over the committed Parquet
 * segments. Only segments listed in the catalog are read (never a glob), so a
 * segment being written or left behind by a crash is never seen; segments
 * outside the time range are not opened at all.
 */
export class ParquetQueries {
  constructor(
    private readonly storeDir: string,
    private readonly catalog: Catalog,
    private readonly duck: DuckSession,
  ) {}

  async *reports(filter: ReportFilter): AsyncIterable<Report> {
    const params: Params = {};
    const where = this.reportWhere(filter, params);
    if (filter.after) {
      // Keyset pagination on the export order: resuming never repeats or skips a row.
      Object.assign(params, {
        afterTs: Date.parse(filter.after.ts),
        afterId: filter.after.reportId,
      });
      where.push(
        "(ts > epoch_ms($afterTs::BIGINT) OR (ts = epoch_ms($afterTs::BIGINT) AND report_id > $afterId))",
      );
    }
    const limit =
      filter.limit === undefined ? "" : ` LIMIT ${Math.max(0, Math.floor(filter.limit))}`;
    const connection = await this.duck.connect();
    const result = await connection.stream(
      `SELECT raw FROM ${this.relation("reports", filter)} WHERE ${where.join(" AND ")} ORDER BY ts, report_id${limit}`,
      params,
    );
    for await (const rows of result.yieldRows()) {
      for (const [raw] of rows) yield JSON.parse(String(raw)) as Report;
    }
  }

  /** How many reports match (ignoring `after` and `limit`): the total an export shows progress against. */
  async countReports(filter: ReportFilter): Promise<number> {
    const params: Params = {};
    const where = this.reportWhere(filter, params);
    const rows = await this.all(
      `SELECT count(*) AS n FROM ${this.relation("reports", filter)} WHERE ${where.join(" AND ")}`,
      params,
    );
    return Number(rows[0]?.n ?? 0);
  }

  private reportWhere(filter: ReportFilter, params: Params): string[] {
    const where = [this.timeWhere(filter, params)];
    if (filter.drone !== undefined) {
      params.drone = filter.drone;
      where.push("drone_id = $drone");
    }
    if (filter.citizen !== undefined) {
      params.citizen = filter.citizen;
      where.push(
        `report_id IN (SELECT report_id FROM ${this.relation("sightings", filter)} WHERE name = $citizen AND ${this.timeWhere(filter, params)})`,
      );
    }
    if (filter.near) {
      Object.assign(params, { nlat: filter.near.lat, nlon: filter.near.lon, nkm: filter.near.km });
      where.push(
        `2 * 6371.0088 * asin(sqrt(pow(sin(radians(lat - $nlat) / 2), 2) + cos(radians($nlat)) * cos(radians(lat)) * pow(sin(radians(lon - $nlon) / 2), 2))) <= $nkm`,
      );
    }
    return where;
  }

  async topAgitated(
    options: TimeRange & { threshold: number; limit: number },
  ): Promise<TopAgitatedRow[]> {
    // Rank on the few agitated sightings first, then read the full statistics of
    // the top names only: grouping every sighting by name cost 2.5 s on 10M reports.
    const segments = this.catalog.segmentsWithRollups("sightings", options.since, options.until);
    if (segments.length === 0) return [];
    const rankParams: Params = { threshold: options.threshold, limit: options.limit };
    const top = await this.all(
      `SELECT name, count(*) AS agitated FROM ${this.files(segments.map((s) => s.path))}
       WHERE score < $threshold AND ${this.timeWhere(options, rankParams)}
       GROUP BY name ORDER BY agitated DESC, name LIMIT $limit`,
      rankParams,
    );
    if (top.length === 0) return [];
    // The top names' statistics: from the citizens rollups of the segments wholly
    // inside the range, from the sightings of the others.
    const params: Params = {};
    const names = top.map((row, i) => {
      params[`n${i}`] = String(row.name);
      return `$n${i}`;
    });
    const inside = (s: SegmentWithRollup) =>
      s.rollupPath !== null &&
      (options.since === undefined || s.minTs >= options.since) &&
      (options.until === undefined || s.maxTs < options.until);
    const rolled = segments.filter(inside);
    const raw = segments.filter((s) => !inside(s));
    const parts: string[] = [];
    if (rolled.length > 0) {
      parts.push(
        `SELECT name, sightings, score_sum, min_score, last_seen
         FROM ${this.files(rolled.map((s) => s.rollupPath!))} WHERE name IN (${names.join(", ")})`,
      );
    }
    if (raw.length > 0) {
      parts.push(
        `SELECT name, count(*) AS sightings, sum(score) AS score_sum, min(score) AS min_score,
                max(ts) AS last_seen
         FROM ${this.files(raw.map((s) => s.path))}
         WHERE name IN (${names.join(", ")}) AND ${this.timeWhere(options, params)} GROUP BY name`,
      );
    }
    const stats = await this.all(
      `SELECT name, sum(sightings)::BIGINT AS sightings, min(min_score) AS minScore,
              sum(score_sum) / sum(sightings) AS avgScore, max(last_seen) AS lastSeen
       FROM (${parts.join(" UNION ALL ")}) GROUP BY name`,
      params,
    );
    const byName = new Map(stats.map((row) => [String(row.name), row]));
    return top.map((row) => {
      const s = byName.get(String(row.name))!;
      return {
        citizen: String(row.name),
        agitatedSightings: Number(row.agitated),
        sightings: Number(s.sightings),
        minScore: Number(s.minScore),
        avgScore: Number(s.avgScore),
        lastSeen: String(s.lastSeen),
      };
    });
  }

  async scoreTrend(options: TrendOptions): Promise<ScoreTrendRow[]> {
    const params: Params = { interval: options.intervalMs };
    return (await this.bucketed(
      `SELECT ${BUCKET} AS bucket, count(*) AS sightings, avg(score) AS avgScore, min(score) AS minScore
       FROM ${this.relation("sightings", options)} WHERE ${this.timeWhere(options, params)}
       GROUP BY bucket ORDER BY bucket`,
      params,
    )) as unknown as ScoreTrendRow[];
  }

  async crowdTrend(options: TrendOptions): Promise<CrowdTrendRow[]> {
    const params: Params = { interval: options.intervalMs };
    return (await this.bucketed(
      `SELECT ${BUCKET} AS bucket, count(*) AS reports, avg(citizen_count) AS avgCitizens
       FROM ${this.relation("reports", options)} WHERE ${this.timeWhere(options, params)}
       GROUP BY bucket ORDER BY bucket`,
      params,
    )) as unknown as CrowdTrendRow[];
  }

  async agitatedTrend(options: TrendOptions & { threshold: number }): Promise<AgitatedTrendRow[]> {
    const params: Params = { interval: options.intervalMs, threshold: options.threshold };
    return (await this.bucketed(
      // Agitated citizens per report, summed, are the agitated sightings: counting
      // those beats a lambda over every report's citizen list (1.8 s on 10M reports).
      `WITH r AS (SELECT ${BUCKET} AS bucket, count(*) AS reports
                  FROM ${this.relation("reports", options)} WHERE ${this.timeWhere(options, params)}
                  GROUP BY bucket),
            a AS (SELECT ${BUCKET} AS bucket, count(*) AS agitated
                  FROM ${this.relation("sightings", options)}
                  WHERE ${this.timeWhere(options, params)} AND score < $threshold GROUP BY bucket)
       SELECT r.bucket, r.reports, coalesce(a.agitated, 0) AS agitatedSightings,
              coalesce(a.agitated, 0) / r.reports AS avgAgitated
       FROM r LEFT JOIN a ON a.bucket = r.bucket ORDER BY r.bucket`,
      params,
    )) as unknown as AgitatedTrendRow[];
  }

  async hotspots(options: HotspotOptions): Promise<HotspotRow[]> {
    const params: Params = {
      precision: options.precision,
      threshold: options.threshold,
      limit: options.limit,
    };
    const rows = await this.all(
      `SELECT left(geohash, $precision::INTEGER) AS cell,
              count(*) FILTER (WHERE score < $threshold) AS agitatedSightings, count(*) AS sightings
       FROM ${this.relation("sightings", options)} WHERE ${this.timeWhere(options, params)}
       GROUP BY cell HAVING count(*) FILTER (WHERE score < $threshold) > 0
       ORDER BY agitatedSightings DESC, cell LIMIT $limit`,
      params,
    );
    return rows.map((r) => {
      const { lat, lon } = geohashCell(String(r.cell));
      return {
        cell: String(r.cell),
        lat,
        lon,
        agitatedSightings: Number(r.agitatedSightings),
        sightings: Number(r.sightings),
      };
    });
  }

  /**
   * Whole UTC hours of the range come from the words rollups (per hour, word
   * and lowest score, how many reports heard it); only the partial hours at the
   * edges, and segments written before rollups existed, split reports' words.
   */
  async words(options: WordOptions): Promise<WordRow[]> {
    const params: Params = {
      threshold: options.threshold,
      limit: options.limit,
      min: options.minAgitatedReports,
    };
    const order =
      options.sort === "count"
        ? "agitatedReports DESC, lift DESC"
        : "lift DESC, agitatedReports DESC";
    // Event times are whole ms: rounding the bounds up keeps the same reports.
    const since = options.since === undefined ? undefined : Math.ceil(options.since);
    const until = options.until === undefined ? undefined : Math.ceil(options.until);
    const segments = this.catalog.segmentsWithRollups("reports", since, until);
    const rolled = segments.filter((s) => s.rollupPath !== null);
    const fullFrom = since === undefined ? undefined : Math.ceil(since / HOUR_MS) * HOUR_MS;
    const fullTo = until === undefined ? undefined : Math.floor(until / HOUR_MS) * HOUR_MS;
    const wholeHours =
      rolled.length > 0 && (fullFrom === undefined || fullTo === undefined || fullFrom < fullTo);
    // Time ranges whose reports are read one by one: per segment, all of the
    // range without a rollup, else the edges outside the whole hours.
    const rawScans: string[] = [];
    const scan = (list: readonly SegmentWithRollup[], range: TimeRange) => {
      const files = list
        .filter((s) => range.since === undefined || s.maxTs >= range.since)
        .filter((s) => range.until === undefined || s.minTs < range.until)
        .map((s) => s.path);
      if (files.length === 0) return;
      rawScans.push(
        `SELECT min_score, words FROM ${this.files(files)} WHERE ${timeLiteralWhere(range)}`,
      );
    };
    scan(wholeHours ? segments.filter((s) => s.rollupPath === null) : segments, {
      ...(since === undefined ? {} : { since }),
      ...(until === undefined ? {} : { until }),
    });
    if (wholeHours) {
      if (since !== undefined && fullFrom !== undefined && since < fullFrom)
        scan(rolled, { since, until: fullFrom });
      if (until !== undefined && fullTo !== undefined && fullTo < until)
        scan(rolled, { since: fullTo, until });
    }
    const parts: string[] = [];
    if (wholeHours) {
      const hours = ["true"];
      if (fullFrom !== undefined) hours.push(`hour >= epoch_ms(${fullFrom}::BIGINT)`);
      if (fullTo !== undefined) hours.push(`hour < epoch_ms(${fullTo}::BIGINT)`);
      const rollups = this.files(rolled.map((s) => s.rollupPath!));
      // Two scans, so that row-group statistics keep each to its rows: the
      // totals sort first, then the split by score, lowest first.
      parts.push(
        `SELECT word, 0::BIGINT AS a, reports AS r FROM ${rollups}
         WHERE min_score IS NULL AND ${hours.join(" AND ")}`,
        `SELECT word, reports AS a, 0::BIGINT AS r FROM ${rollups}
         WHERE min_score < $threshold AND ${hours.join(" AND ")}`,
      );
    }
    if (rawScans.length > 0) {
      // Each report once under the NULL word, then once per distinct lower-cased word.
      parts.push(
        `SELECT unnest(list_prepend(NULL::VARCHAR, list_distinct(list_transform(words, w -> lower(w)))))
                  AS word, (min_score < $threshold)::INTEGER AS a, 1::BIGINT AS r
         FROM (${rawScans.join(" UNION ALL ")})`,
      );
    }
    if (parts.length === 0) return [];
    // The NULL word counts every report: the totals the shares are taken of.
    const rows = await this.all(
      `WITH g AS (
         SELECT word, coalesce(sum(a), 0)::BIGINT AS a, sum(r)::BIGINT AS r
         FROM (${parts.join(" UNION ALL ")}) GROUP BY word),
       totals AS (SELECT r AS n, a AS na FROM g WHERE word IS NULL)
       SELECT word, a AS agitatedReports, r AS reports, (a / na) / (r / n) AS lift
       FROM g, totals WHERE word IS NOT NULL AND a >= $min
       ORDER BY ${order}, word LIMIT $limit`,
      params,
    );
    return rows as unknown as WordRow[];
  }

  async citizen(name: string, range: TimeRange): Promise<SightingRow[]> {
    const params: Params = { name };
    const rows = await this.all(
      `SELECT ts, score, drone_id AS droneId, lat, lon, report_id AS reportId
       FROM ${this.relation("sightings", range)} WHERE name = $name AND ${this.timeWhere(range, params)}
       ORDER BY ts, report_id`,
      params,
    );
    return rows as unknown as SightingRow[];
  }

  async drone(droneId: string, range: TimeRange): Promise<DroneReportRow[]> {
    const params: Params = { drone: droneId };
    const rows = await this.all(
      `SELECT ts, lat, lon, battery, altitude_m AS altitudeM, speed_mps AS speedMps, citizen_count AS citizens,
              (epoch_ms(ts) - lag(epoch_ms(ts)) OVER (ORDER BY ts, report_id)) / 1000.0 AS gapSeconds
       FROM ${this.relation("reports", range)} WHERE drone_id = $drone AND ${this.timeWhere(range, params)}
       ORDER BY ts, report_id`,
      params,
    );
    return rows as unknown as DroneReportRow[];
  }

  async coverage(options: TrendOptions): Promise<CoverageRow[]> {
    const params: Params = { interval: options.intervalMs };
    return (await this.bucketed(
      `SELECT drone_id AS droneId, ${BUCKET} AS bucket, count(*) AS reports
       FROM ${this.relation("reports", options)} WHERE ${this.timeWhere(options, params)}
       GROUP BY droneId, bucket ORDER BY droneId, bucket`,
      params,
    )) as unknown as CoverageRow[];
  }

  /**
   * Drones whose last report (before `until`, if given) is more than
   * `silentMs` older than the newest report of any drone: "silent" is measured
   * against the fleet, so it means the same on live and on historical data.
   */
  async silentDrones(options: TimeRange & { silentMs: number }): Promise<SilentDroneRow[]> {
    const params: Params = { silent: options.silentMs };
    const rows = await this.all(
      `WITH last AS (
         SELECT drone_id, max(ts) AS last_seen FROM ${this.relation("reports", options)}
         WHERE ${this.timeWhere(options, params)} GROUP BY drone_id)
       SELECT drone_id AS droneId, last_seen AS lastSeen,
              (epoch_ms((SELECT max(last_seen) FROM last)) - epoch_ms(last_seen)) / 60000.0 AS silentMinutes
       FROM last WHERE epoch_ms((SELECT max(last_seen) FROM last)) - epoch_ms(last_seen) > $silent
       ORDER BY silentMinutes DESC, droneId`,
      params,
    );
    return rows as unknown as SilentDroneRow[];
  }

  /**
   * Read-only SQL over the views `reports`, `sightings` and `alerts`. Only a
   * single SELECT (or WITH ... SELECT) statement is accepted.
   */
  async sql(text: string, alertsNdjsonPath: string | undefined): Promise<RawQueryResult> {
    const connection = await this.duck.connect();
    const extracted = await connection.extractStatements(text).catch((error: Error) => {
      throw new UsageError(
        `SQL error: ${error.message.replace(/^Failed to extract statements: /, "")}`,
        error,
      );
    });
    if (extracted.count !== 1) {
      throw new UsageError(`expected exactly one SQL statement, got ${extracted.count}`);
    }
    await connection.run(
      `CREATE OR REPLACE TEMP VIEW reports AS SELECT * FROM ${this.relation("reports", {})}`,
    );
    await connection.run(
      `CREATE OR REPLACE TEMP VIEW sightings AS SELECT * FROM ${this.relation("sightings", {})}`,
    );
    await connection.run(
      `CREATE OR REPLACE TEMP VIEW alerts AS SELECT * FROM ${
        alertsNdjsonPath
          ? `read_json(${sqlString(alertsNdjsonPath)}, format = 'newline_delimited')`
          : "(SELECT NULL::VARCHAR AS alertId WHERE false)"
      }`,
    );
    const readOnly = new UsageError("only a read-only SELECT query is allowed");
    let prepared: Awaited<ReturnType<typeof extracted.prepare>>;
    try {
      prepared = await extracted.prepare(0);
    } catch (error) {
      // A write against a view fails to bind; say why it is refused, not how it failed.
      if (!/^\s*(\(|select\b|with\b|from\b)/i.test(text)) throw readOnly;
      throw new UsageError(`SQL error: ${(error as Error).message}`, error);
    }
    if (prepared.statementType !== StatementType.SELECT) throw readOnly;
    try {
      const reader = await prepared.runAndReadAll();
      return {
        columns: reader.columnNames(),
        rows: reader.getRowObjectsJS().map((row) => toPlain(row) as Record<string, unknown>),
      };
    } catch (error) {
      throw new UsageError(`SQL error: ${(error as Error).message}`, error);
    }
  }

  private relation(kind: "reports" | "sightings", range: TimeRange): string {
    const files = this.catalog
      .segments(kind, range.since, range.until)
      .map((s) => sqlString(join(this.storeDir, s.path)));
    if (files.length === 0)
      return emptyRelation({
        ...(kind === "reports" ? REPORT_COLUMNS : SIGHTING_COLUMNS),
        filename: "VARCHAR",
      });
    // filename: which segment holds a row, for people debugging the store with SQL.
    return `read_parquet([${files.join(", ")}], filename = true)`;
  }

  /** Segment files (paths relative to the store) as one relation. */
  private files(paths: readonly string[]): string {
    const list = paths.map((p) => sqlString(join(this.storeDir, p))).join(", ");
    return `read_parquet([${list}], hive_partitioning = false)`;
  }

  private timeWhere(range: TimeRange, params: Params): string {
    const clauses = ["true"];
    if (range.since !== undefined) {
      params.since = range.since;
      clauses.push("ts >= epoch_ms($since::BIGINT)");
    }
    if (range.until !== undefined) {
      params.until = range.until;
      clauses.push("ts < epoch_ms($until::BIGINT)");
    }
    return clauses.join(" AND ");
  }

  private async all(sql: string, params: Params): Promise<Record<string, unknown>[]> {
    const connection = await this.duck.connect();
    const reader = await connection.runAndReadAll(sql, params);
    return reader.getRowObjectsJS().map((row) => toPlain(row) as Record<string, unknown>);
  }

  private async bucketed(sql: string, params: Params): Promise<Record<string, unknown>[]> {
    const rows = await this.all(sql, params);
    return rows.map((row) => ({ ...row, bucket: new Date(Number(row.bucket)).toISOString() }));
  }
}

const HOUR_MS = 3_600_000;

/** A time filter with the bounds written in, so that row-group statistics can skip. */
function timeLiteralWhere(range: TimeRange): string {
  const clauses = ["true"];
  if (range.since !== undefined) clauses.push(`ts >= epoch_ms(${range.since}::BIGINT)`);
  if (range.until !== undefined) clauses.push(`ts < epoch_ms(${range.until}::BIGINT)`);
  return clauses.join(" AND ");
}

/** Epoch-aligned UTC buckets, the same as OpenSearch's fixed_interval date_histogram. */
const BUCKET = "(epoch_ms(ts) // $interval::BIGINT) * $interval::BIGINT";
