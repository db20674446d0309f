import type { CrowdTrendRow } from "../../backends/store/types.js";
import { intervalFlag, QueryCommand, type QueryResult } from "../../cli/query-command.js";

export type CrowdTrendResult = QueryResult<CrowdTrendRow>;

export default class CrowdTrend extends QueryCommand {
  static override description = "Average number of citizens per report over time";
  static override examples = ["<%= config.bin %> query crowd-trend --since 1d --interval 15m"];
  static override flags = {
    ...QueryCommand.flags,
    ...intervalFlag,
  };

  async run(): Promise<CrowdTrendResult> {
    const { flags } = await this.parse(CrowdTrend);
    const range = this.timeRange(flags);
    const intervalMs = this.interval(flags.interval);
    const rows = await this.withStore(flags, (store) => store.crowdTrend({ ...range, intervalMs }));
    return this.present(
      "crowd-trend",
      range,
      rows,
      ["bucket", "reports", "avgCitizens"],
      flags.format,
    );
  }
}
