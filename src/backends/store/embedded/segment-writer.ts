import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { ArchivedReport } from "../types.js";
import type { SegmentRecord } from "./catalog.js";
import { REPORT_JSON_STRUCTURE, STAGING_COLUMNS, sqlString, toStagingLine } from "./columns.js";
import type { DuckSession } from "./duck.js";

const DAY_MS = 86_400_000;

/**
 * Writes a batch of reports as zstd Parquet segments, one pair (reports,
 * sightings) per UTC day, and fsyncs them. Segments are not visible to anyone
 * until the caller commits them in the catalog. File names carry the writer's
 * pid so that a restart can tell its own leftovers from a live writer's files.
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
           FROM (SELECT *, unnest(r.citizens) AS c FROM staging WHERE ${dayFilter}) ORDER BY ts_ms`,
          sightingsPath,
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
        );
      }
    } finally {
      await connection.run("DROP TABLE IF EXISTS staging");
      rmSync(staging, { force: true });
    }
    return segments;
  }

  /** Writes the rows of several segments of one kind and day as one new segment. */
  async merge(segments: readonly SegmentRecord[]): Promise<SegmentRecord> {
    const first = segments[0]!;
    const tag = `${process.pid}-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
    const path = join(first.kind, `day=${first.day}`, `seg-${tag}.parquet`);
    const files = segments.map((s) => sqlString(join(this.storeDir, s.path))).join(", ");
    await this.copy(`SELECT * FROM read_parquet([${files}]) ORDER BY ts`, path);
    return {
      id: path,
      kind: first.kind,
      day: first.day,
      path,
      rows: segments.reduce((n, s) => n + s.rows, 0),
      minTs: Math.min(...segments.map((s) => s.minTs)),
      maxTs: Math.max(...segments.map((s) => s.maxTs)),
    };
  }

  private async copy(select: string, relativePath: string): Promise<void> {
    const path = join(this.storeDir, relativePath);
    mkdirSync(dirname(path), { recursive: true });
    const connection = await this.duck.connect();
    await connection.run(
      `COPY (${select}) TO ${sqlString(path)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)`,
    );
    fsyncPath(path);
    fsyncPath(dirname(path));
  }
}

function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
