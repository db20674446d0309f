import { renameSync, writeFileSync } from "node:fs";
import { Flags } from "@oclif/core";
import type { ReportFilter } from "../../backends/store/types.js";
import { openStore } from "../../cli/backends.js";
import { backendFlags, PwCommand } from "../../cli/base-command.js";
import { exportProgress } from "../../cli/export-progress.js";
import { outputFlags, timeRangeFlags } from "../../cli/query-command.js";
import { resolveFormat, writeRows } from "../../cli/render.js";
import { decodeResumeToken, encodeResumeToken } from "../../cli/resume-token.js";
import { shutdownSignal } from "../../cli/shutdown.js";
import { REPORT_CSV_COLUMNS, reportToCsvRecord } from "../../domain/csv-report.js";
import { parseTimePoint } from "../../domain/duration.js";
import { UsageError } from "../../domain/errors.js";
import type { Report } from "../../domain/report.js";

const TABLE_LIMIT = 100;

export default class QueryReports extends PwCommand {
  static override description = `Stream stored reports, oldest first, any number of them
NDJSON gives each report exactly as received; CSV uses the historical columns (reportId,droneId,ts,lat,lon,citizens,words), so an export can be ingested again. On a terminal, stderr shows progress and ETA; an interrupted export prints a resume token (and --checkpoint keeps the latest one in a file).`;

  static override examples = [
    "<%= config.bin %> query reports --drone pw-0007 --since 1h",
    "<%= config.bin %> query reports --citizen 'Ann Lee' --format csv > ann.csv",
    "<%= config.bin %> query reports --format ndjson --checkpoint export.token > all.ndjson",
    "<%= config.bin %> query reports --format ndjson --resume $(cat export.token) >> all.ndjson",
  ];

  static override flags = {
    ...backendFlags,
    ...timeRangeFlags,
    ...outputFlags,
    json: Flags.boolean({ description: "same as --format json (one JSON array, streamed)" }),
    drone: Flags.string({ description: "only this drone" }),
    citizen: Flags.string({ description: "only reports that saw this citizen" }),
    near: Flags.string({ description: "only reports within KM of a point: LAT,LON,KM" }),
    limit: Flags.integer({
      description: `at most this many [default: ${TABLE_LIMIT} in a table, else all]`,
      min: 0,
    }),
    resume: Flags.string({
      description: "continue an interrupted export from its resume token (same filters)",
    }),
    checkpoint: Flags.string({
      description: "keep the latest resume token in this file while exporting",
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(QueryReports);
    const format = resolveFormat(flags.format, flags.json);
    let filter: ReportFilter = {};
    if (flags.resume) {
      if (flags.since || flags.until || flags.drone || flags.citizen || flags.near) {
        throw new UsageError(
          "--resume carries the export's filters: give no --since/--until/--drone/--citizen/--near with it",
        );
      }
      filter = decodeResumeToken(flags.resume);
    } else {
      const now = Date.now();
      if (flags.since) filter.since = parseTimePoint(flags.since, now, "--since");
      if (flags.until) filter.until = parseTimePoint(flags.until, now, "--until");
      if (flags.drone) filter.drone = flags.drone;
      if (flags.citizen) filter.citizen = flags.citizen;
      if (flags.near) filter.near = parseNear(flags.near);
    }
    const limit = flags.limit ?? (format === "table" ? TABLE_LIMIT : undefined);

    const store = openStore(this.settings(flags));
    const stop = shutdownSignal();
    let last: Report | undefined;
    const token = () => (last ? encodeResumeToken(filter, last) : flags.resume);
    const saveCheckpoint = () => {
      const current = token();
      if (!flags.checkpoint || !current) return;
      writeFileSync(`${flags.checkpoint}.tmp`, `${current}\n`);
      renameSync(`${flags.checkpoint}.tmp`, flags.checkpoint);
    };
    try {
      const total = await store.countReports(filter);
      const progress =
        format === "table" ? undefined : exportProgress(total, flags.resume ? undefined : 0);
      const reports = store.reports({ ...filter, ...(limit !== undefined && { limit }) });
      let sinceCheckpoint = 0;
      async function* rows() {
        for await (const report of reports) {
          if (stop.aborted) return;
          yield format === "csv" || format === "table" ? reportToCsvRecord(report) : report;
          // The row is handed to stdout: from here on, resuming must start after it.
          last = report;
          if (++sinceCheckpoint >= 10_000) {
            sinceCheckpoint = 0;
            saveCheckpoint();
          }
        }
      }
      const count = await writeRows(
        rows(),
        REPORT_CSV_COLUMNS,
        format,
        process.stdout,
        progress?.tick,
      );
      progress?.done(count);
      if (stop.aborted) {
        saveCheckpoint();
        this.info(`export interrupted after ${count} row(s); continue with: --resume ${token()}`);
      } else if (flags.checkpoint) {
        saveCheckpoint();
      }
      if (format === "table" && flags.limit === undefined && count === TABLE_LIMIT) {
        this.info(`(first ${TABLE_LIMIT} shown: use --limit, or --format ndjson|csv for all)`);
      }
    } catch (error) {
      saveCheckpoint();
      const current = token();
      if (current) this.info(`export failed; continue with: --resume ${current}`);
      throw error;
    } finally {
      await store.close();
    }
  }
}

function parseNear(text: string): NonNullable<ReportFilter["near"]> {
  const [lat, lon, km] = text.split(",").map((p) => Number(p.trim()));
  if (
    lat === undefined ||
    lon === undefined ||
    km === undefined ||
    !(Math.abs(lat) <= 90 && Math.abs(lon) <= 180 && km > 0)
  ) {
    throw new UsageError(`--near "${text}" must be LAT,LON,KM (e.g. 48.8566,2.3522,1.5)`);
  }
  return { lat, lon, km };
}
