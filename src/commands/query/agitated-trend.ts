import type { AgitatedTrendRow } from "../../backends/store/types.js";
import {
  intervalFlag,
  QueryCommand,
  type QueryResult,
  thresholdFlag,
} from "../../cli/query-command.js";

export type AgitatedTrendResult = QueryResult<AgitatedTrendRow>;

export default class AgitatedTrend extends QueryCommand {
  static override description = "Average number of agitated citizens per report over time";
  static override examples = ["<%= config.bin %> query agitated-trend --since 1d --interval 15m"];
  static override flags = {
    ...QueryCommand.flags,
    ...intervalFlag,
    ...thresholdFlag,
  };

  async run(): Promise<AgitatedTrendResult> {
    const { flags } = await this.parse(AgitatedTrend);
    const range = this.timeRange(flags);
    const intervalMs = this.interval(flags.interval);
    const rows = await this.withStore(flags, (store) =>
      store.agitatedTrend({ ...range, intervalMs, threshold: this.threshold(flags.threshold) }),
    );
    return this.present(
      "agitated-trend",
      range,
      rows,
      ["bucket", "reports", "agitatedSightings", "avgAgitated"],
      flags.format,
    );
  }
}
