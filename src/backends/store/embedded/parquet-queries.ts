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
import type { Catalog } from "./catalog.js";
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
    const params: Params = { threshold: options.threshold, limit: options.limit };
    // Rank on the few agitated sightings first, then read the full statistics of
    // the top names only: grouping every sighting by name cost 2.5 s on 10M reports.
    const sightings = `SELECT name, score, ts FROM ${this.relation("sightings", options)} WHERE ${this.timeWhere(options, params)}`;
    const rows = await this.all(
      `WITH s AS (${sightings}),
       top AS (SELECT name, count(*) AS agitated FROM s WHERE score < $threshold
               GROUP BY name ORDER BY agitated DESC, name LIMIT $limit)
       SELECT top.name AS citizen, any_value(top.agitated) AS agitatedSightings, count(*) AS sightings,
              min(s.score) AS minScore, avg(s.score) AS avgScore, max(s.ts) AS lastSeen
       FROM top JOIN s ON s.name = top.name
       GROUP BY top.name ORDER BY agitatedSightings DESC, citizen`,
      params,
    );
    return rows as unknown as TopAgitatedRow[];
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
    const rows = await this.all(
      `WITH r AS (
         SELECT coalesce(min_score < $threshold, false) AS agitated,
                list_distinct(list_transform(words, w -> lower(w))) AS ws
         FROM ${this.relation("reports", options)} WHERE ${this.timeWhere(options, params)}),
       totals AS (SELECT count(*) AS n, count(*) FILTER (WHERE agitated) AS na FROM r),
       heard AS (SELECT unnest(ws) AS word, agitated FROM r)
       SELECT word, count(*) FILTER (WHERE agitated) AS agitatedReports, count(*) AS reports,
              (count(*) FILTER (WHERE agitated) / any_value(na)) / (count(*) / any_value(n)) AS lift
       FROM heard, totals GROUP BY word
       HAVING count(*) FILTER (WHERE agitated) >= $min
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

/** Epoch-aligned UTC buckets, the same as OpenSearch's fixed_interval date_histogram. */
const BUCKET = "(epoch_ms(ts) // $interval::BIGINT) * $interval::BIGINT";
