import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { ArchivedReport } from "../types.js";
import { type DataKind, ROLLUP_OF, type SegmentRecord } from "./catalog.js";
import { REPORT_JSON_STRUCTURE, STAGING_COLUMNS, sqlString, toStagingLine } from "./columns.js";
import type { DuckSession } from "./duck.js";

const DAY_MS = 86_400_000;

/**
 * Writes a batch of reports as zstd Parquet segments, per UTC day one reports
 * segment (in event-time order), one sightings segment (in name order, so that
 * row-group statistics let a question about one citizen skip the rest) and the
 * rollup of each (see `ROLLUPS`), and fsyncs them. Segments are not
 * visible to anyone until the caller commits them in the catalog. File names
 * carry the writer's pid so that a restart can tell its own leftovers from a
 * live writer's files.
 */
export class SegmentWriter {
  constructor(
    private readonly storeDir: string,
    private readonly duck: DuckSession,
  ) {}

  async write(batch: readonly ArchivedReport[]): Promise<SegmentRecord[]> {
    const tag = `${process.pid}-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
    const staging = join(this.storeDir, "tmp", `${tag}.tsv`);
    mkdirSync(dirname(staging), { recursive: true });
    const byDay = new Map<
      string,
      { rows: number; sightings: number; minTs: number; maxTs: number }
    >();
    const lines: string[] = [];
    for (const archived of batch) {
      const ts = Date.parse(archived.report.ts);
      const day = new Date(Math.floor(ts / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
      const stats = byDay.get(day) ?? { rows: 0, sightings: 0, minTs: ts, maxTs: ts };
      stats.rows++;
      stats.sightings += archived.report.citizens.length;
      stats.minTs = Math.min(stats.minTs, ts);
      stats.maxTs = Math.max(stats.maxTs, ts);
      byDay.set(day, stats);
      lines.push(toStagingLine(archived));
    }
    writeFileSync(staging, `${lines.join("\n")}\n`);

    const connection = await this.duck.connect();
    const columns = Object.entries(STAGING_COLUMNS)
      .map(([name, type]) => `${name}: ${sqlString(type)}`)
      .join(", ");
    const segments: SegmentRecord[] = [];
    try {
      await connection.run(
        `CREATE OR REPLACE TEMP TABLE staging AS
         SELECT ts_ms, received_ms, geohash, raw, json_transform(raw, ${sqlString(REPORT_JSON_STRUCTURE)}) AS r
         FROM read_csv(${sqlString(staging)}, delim = '\t', quote = '', escape = '', header = false,
                       columns = {${columns}}, max_line_size = 4194304)`,
      );
      for (const [day, stats] of byDay) {
        const dayFilter = `ts_ms >= ${Date.parse(day)} AND ts_ms < ${Date.parse(day) + DAY_MS}`;
        const reportsPath = join("reports", `day=${day}`, `seg-${tag}.parquet`);
        const sightingsPath = join("sightings", `day=${day}`, `seg-${tag}.parquet`);
        const wordsPath = join("words", `day=${day}`, `seg-${tag}.parquet`);
        const citizensPath = join("citizens", `day=${day}`, `seg-${tag}.parquet`);
        await this.copy(
          `SELECT r.reportId AS report_id, r.droneId AS drone_id, epoch_ms(ts_ms) AS ts,
             r.location.lat AS lat, r.location.lon AS lon, geohash, r.citizens AS citizens,
             coalesce(r.words, []) AS words, len(r.citizens)::INTEGER AS citizen_count,
             list_min(list_transform(r.citizens, c -> c.score)) AS min_score,
             r.telemetry.battery AS battery, r.telemetry.altitudeM AS altitude_m,
             r.telemetry.headingDeg AS heading_deg, r.telemetry.speedMps AS speed_mps,
             r.telemetry.firmware AS firmware, epoch_ms(received_ms) AS received_at, raw
           FROM staging WHERE ${dayFilter} ORDER BY ts_ms`,
          reportsPath,
        );
        await this.copy(
          `SELECT r.reportId AS report_id, r.droneId AS drone_id, epoch_ms(ts_ms) AS ts,
             r.location.lat AS lat, r.location.lon AS lon, geohash, c.name AS name, c.score AS score
           FROM (SELECT *, unnest(r.citizens) AS c FROM staging WHERE ${dayFilter})
           ORDER BY ${SIGHTINGS_ORDER}`,
          sightingsPath,
        );
        const wordRows = await this.copy(
          ROLLUPS.reports.fromSegments(this.files([reportsPath])),
          wordsPath,
        );
        const citizenRows = await this.copy(
          ROLLUPS.sightings.fromSegments(this.files([sightingsPath])),
          citizensPath,
        );
        const { rows, sightings, minTs, maxTs } = stats;
        segments.push(
          { id: reportsPath, kind: "reports", day, path: reportsPath, rows, minTs, maxTs },
          {
            id: sightingsPath,
            kind: "sightings",
            day,
            path: sightingsPath,
            rows: sightings,
            minTs,
            maxTs,
          },
          {
            id: wordsPath,
            kind: "words",
            day,
            path: wordsPath,
            rows: wordRows,
            minTs,
            maxTs,
            source: reportsPath,
          },
          {
            id: citizensPath,
            kind: "citizens",
            day,
            path: citizensPath,
            rows: citizenRows,
            minTs,
            maxTs,
            source: sightingsPath,
          },
        );
      }
    } finally {
      await connection.run("DROP TABLE IF EXISTS staging");
      rmSync(staging, { force: true });
    }
    return segments;
  }

  /**
   * Writes the rows of several segments of one kind and day as one new segment,
   * and its rollup: the merged segments' rollups (`rollups`, by segment id)
   * summed, or for a segment written before rollups existed, computed from it.
   */
  async merge(
    segments: readonly SegmentRecord[],
    rollups: ReadonlyMap<string, SegmentRecord>,
  ): Promise<SegmentRecord[]> {
    const first = segments[0]!;
    const kind = first.kind as DataKind;
    const tag = `${process.pid}-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
    const path = join(kind, `day=${first.day}`, `seg-${tag}.parquet`);
    await this.copy(
      `SELECT * FROM ${this.files(segments.map((s) => s.path))}
       ORDER BY ${kind === "sightings" ? SIGHTINGS_ORDER : "ts"}`,
      path,
    );
    const merged: SegmentRecord = {
      id: path,
      kind,
      day: first.day,
      path,
      rows: segments.reduce((n, s) => n + s.rows, 0),
      minTs: Math.min(...segments.map((s) => s.minTs)),
      maxTs: Math.max(...segments.map((s) => s.maxTs)),
    };
    const rollup = ROLLUPS[kind];
    const summed = segments.flatMap((s) => rollups.get(s.id)?.path ?? []);
    const unsummed = segments.filter((s) => !rollups.has(s.id)).map((s) => s.path);
    const parts = [
      ...(summed.length > 0 ? [`SELECT ${rollup.columns} FROM ${this.files(summed)}`] : []),
      ...(unsummed.length > 0
        ? [`SELECT * FROM (${rollup.fromSegments(this.files(unsummed))})`]
        : []),
    ];
    const rollupKind = ROLLUP_OF[kind];
    const rollupPath = join(rollupKind, `day=${first.day}`, `seg-${tag}.parquet`);
    const rows = await this.copy(rollup.sum(parts.join(" UNION ALL ")), rollupPath);
    return [
      merged,
      { ...merged, id: rollupPath, kind: rollupKind, path: rollupPath, rows, source: merged.id },
    ];
  }

  /** A relation over segment files; the `day=` folder must not become a column of a new file. */
  private files(paths: readonly string[]): string {
    const list = paths.map((p) => sqlString(join(this.storeDir, p))).join(", ");
    return `read_parquet([${list}], hive_partitioning = false)`;
  }

  /** Writes the result of `select` as a Parquet file and fsyncs it; returns its row count. */
  private async copy(select: string, relativePath: string): Promise<number> {
    const path = join(this.storeDir, relativePath);
    mkdirSync(dirname(path), { recursive: true });
    const connection = await this.duck.connect();
    const result = await connection.run(
      `COPY (${select}) TO ${sqlString(path)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)`,
    );
    fsyncPath(path);
    fsyncPath(dirname(path));
    return Number(result.rowsChanged);
  }
}

/** By citizen, so that a citizen's sightings sit in a few row groups of each segment. */
const SIGHTINGS_ORDER = "name, ts, report_id";
/** Totals first, then by lowest score: a low threshold reads only the first row groups. */
const WORDS_ORDER = "min_score NULLS FIRST, hour, word NULLS FIRST";

interface Rollup {
  /** Its columns, in order. */
  columns: string;
  /** The rollup of data segments. */
  fromSegments(segments: string): string;
  /** The rollup of several rollups' rows (all its columns, in order). */
  sum(rows: string): string;
}

/** The rollup of each kind of data segment, written and merged with it. */
const ROLLUPS: Record<DataKind, Rollup> = {
  /**
   * Words: per UTC hour and lower-cased word, how many reports heard that word
   * at least once (rows with a NULL min_score), and the same split by the
   * report's lowest score (reports with citizens only). Rows with a NULL word
   * count every report. A threshold compares with `min_score` exactly as with
   * the reports themselves, so the words question sums this instead of
   * splitting every report's words.
   */
  reports: {
    columns: "hour, word, min_score, reports",
    fromSegments: (reports) => `WITH r AS (
        SELECT date_trunc('hour', ts) AS hour, min_score,
               unnest(list_prepend(NULL::VARCHAR, list_distinct(list_transform(words, w -> lower(w)))))
                 AS word
        FROM ${reports})
      SELECT hour, word, NULL::DOUBLE AS min_score, count(*) AS reports FROM r GROUP BY hour, word
      UNION ALL
      SELECT hour, word, min_score, count(*) AS reports FROM r WHERE min_score IS NOT NULL
      GROUP BY hour, word, min_score
      ORDER BY ${WORDS_ORDER}`,
    sum: (rows) => `SELECT hour, word, min_score, sum(reports)::BIGINT AS reports FROM (${rows})
      GROUP BY hour, word, min_score ORDER BY ${WORDS_ORDER}`,
  },
  /**
   * Citizens: per name, the sightings, their score sum and lowest score and the
   * last one's time: a citizen's statistics over whole segments without
   * reading their sightings.
   */
  sightings: {
    columns: "name, sightings, score_sum, min_score, last_seen",
    fromSegments: (sightings) => `SELECT name, count(*) AS sightings, sum(score) AS score_sum,
        min(score) AS min_score, max(ts) AS last_seen
      FROM ${sightings} GROUP BY name ORDER BY name`,
    sum: (rows) => `SELECT name, sum(sightings)::BIGINT AS sightings, sum(score_sum) AS score_sum,
        min(min_score) AS min_score, max(last_seen) AS last_seen
      FROM (${rows}) GROUP BY name ORDER BY name`,
  },
};

function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
