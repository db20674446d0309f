import { Args } from "@oclif/core";
import type { RawQueryResult } from "../../backends/store/types.js";
import { QueryCommand } from "../../cli/query-command.js";
import { resolveFormat, writeRows } from "../../cli/render.js";
import { UsageError } from "../../domain/errors.js";

export default class QueryDsl extends QueryCommand {
  static override description =
    `Ask anything with an OpenSearch query DSL search body (OpenSearch store, read-only)
The JSON body is sent to _search on the report indices (one document per report: reportId, droneId, ts, receivedAt, location, geohash, citizens.name, citizens.score, citizenCount, minScore, words, telemetry.*, extra.* for unknown report fields). Add "index": "sightings" (one document per report and citizen: reportId, droneId, ts, location, geohash, name, score) or "index": "alerts" to search those instead.
With aggregations, each innermost bucket is a row (bucket keys, doc_count and metrics as columns); otherwise each hit is a row (_id and its fields; 10 hits unless "size" says otherwise).`;

  static override examples = [
    `<%= config.bin %> query dsl '{"size":0,"aggs":{"drone":{"terms":{"field":"droneId","size":5},"aggs":{"battery":{"avg":{"field":"telemetry.battery"}}}}}}'`,
    `<%= config.bin %> query dsl '{"index":"sightings","size":0,"query":{"range":{"score":{"lt":2}}},"aggs":{"cell":{"terms":{"field":"geohash","size":10}}}}' --format csv`,
  ];

  static override args = {
    query: Args.string({ description: "a JSON search body", required: true }),
  };
  static override flags = { ...QueryCommand.flags };

  async run(): Promise<RawQueryResult> {
    const { args, flags } = await this.parse(QueryDsl);
    return this.withStore(flags, async (store) => {
      if (store.rawQueryLanguage !== "dsl") {
        throw new UsageError(
          `this store speaks ${store.rawQueryLanguage}, not the OpenSearch DSL: use pw query ${store.rawQueryLanguage}`,
        );
      }
      const result = await store.rawQuery(args.query);
      if (!this.jsonEnabled())
        await writeRows(result.rows, result.columns, resolveFormat(flags.format, false));
      return result;
    });
  }
}
