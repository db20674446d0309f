import { Flags } from "@oclif/core";
import type { ReportFilter } from "../../backends/store/types.js";
import { openStore } from "../../cli/backends.js";
import { backendFlags, PwCommand } from "../../cli/base-command.js";
import { outputFlags, timeRangeFlags } from "../../cli/query-command.js";
import { resolveFormat, writeRows } from "../../cli/render.js";
import { REPORT_CSV_COLUMNS, reportToCsvRecord } from "../../domain/csv-report.js";
import { parseTimePoint } from "../../domain/duration.js";
import { UsageError } from "../../domain/errors.js";

const TABLE_LIMIT = 100;

export default class QueryReports extends PwCommand {
  static override description = `Stream stored reports, oldest first
NDJSON gives each report exactly as received; CSV uses the historical columns (reportId,droneId,ts,lat,lon,citizens,words), so an export can be ingested again.`;

  static override examples = [
    "<%= config.bin %> query reports --drone pw-0007 --since 1h",
    "<%= config.bin %> query reports --citizen 'Ann Lee' --format csv > ann.csv",
    "<%= config.bin %> query reports --near 48.8566,2.3522,1.5 --format ndjson | jq .citizens",
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
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(QueryReports);
    const format = resolveFormat(flags.format, flags.json);
    const now = Date.now();
    const filter: ReportFilter = {};
    if (flags.since) filter.since = parseTimePoint(flags.since, now, "--since");
    if (flags.until) filter.until = parseTimePoint(flags.until, now, "--until");
    if (flags.drone) filter.drone = flags.drone;
    if (flags.citizen) filter.citizen = flags.citizen;
    if (flags.near) filter.near = parseNear(flags.near);
    const limit = flags.limit ?? (format === "table" ? TABLE_LIMIT : undefined);
    if (limit !== undefined) filter.limit = limit;

    const store = openStore(this.settings(flags));
    try {
      const reports = store.reports(filter);
      async function* rows() {
        for await (const report of reports) {
          yield format === "csv" || format === "table" ? reportToCsvRecord(report) : report;
        }
      }
      const count = await writeRows(rows(), REPORT_CSV_COLUMNS, format);
      if (format === "table" && flags.limit === undefined && count === TABLE_LIMIT) {
        this.info(`(first ${TABLE_LIMIT} shown: use --limit, or --format ndjson|csv for all)`);
      }
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
