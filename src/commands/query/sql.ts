import { Args } from "@oclif/core";
import type { RawQueryResult } from "../../backends/store/types.js";
import { QueryCommand } from "../../cli/query-command.js";
import { resolveFormat, writeRows } from "../../cli/render.js";
import { UsageError } from "../../domain/errors.js";

export default class QuerySql extends QueryCommand {
  static override description = `Ask anything in read-only SQL (embedded store, DuckDB dialect)
Views: reports (one row per report: report_id, drone_id, ts, lat, lon, geohash, citizens, words, citizen_count, min_score, battery, altitude_m, heading_deg, speed_mps, firmware, received_at, raw, filename), sightings (one row per report and citizen: report_id, drone_id, ts, lat, lon, geohash, name, score) and alerts.`;

  static override examples = [
    `<%= config.bin %> query sql "SELECT drone_id, avg(battery) FROM reports GROUP BY ALL ORDER BY 2 LIMIT 5"`,
    `<%= config.bin %> query sql "SELECT left(geohash, 5) AS cell, count(*) FROM sightings WHERE score < 2 GROUP BY cell ORDER BY 2 DESC" --format csv`,
  ];

  static override args = {
    query: Args.string({ description: "one SELECT statement", required: true }),
  };
  static override flags = { ...QueryCommand.flags };

  async run(): Promise<RawQueryResult> {
    const { args, flags } = await this.parse(QuerySql);
    return this.withStore(flags, async (store) => {
      if (store.rawQueryLanguage !== "sql") {
        throw new UsageError(
          `this store speaks ${store.rawQueryLanguage}, not SQL: use pw query ${store.rawQueryLanguage}`,
        );
      }
      const result = await store.rawQuery(args.query);
      if (!this.jsonEnabled())
        await writeRows(result.rows, result.columns, resolveFormat(flags.format, false));
      return result;
    });
  }
}
