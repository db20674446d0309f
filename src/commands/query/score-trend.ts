import type { ScoreTrendRow } from "../../backends/store/types.js";
import { intervalFlag, QueryCommand, type QueryResult } from "../../cli/query-command.js";

export type ScoreTrendResult = QueryResult<ScoreTrendRow>;

export default class ScoreTrend extends QueryCommand {
  static override description = "Average and lowest citizen score over time";
  static override examples = ["<%= config.bin %> query score-trend --since 1d --interval 15m"];
  static override flags = {
    ...QueryCommand.flags,
    ...intervalFlag,
  };

  async run(): Promise<ScoreTrendResult> {
    const { flags } = await this.parse(ScoreTrend);
    const range = this.timeRange(flags);
    const intervalMs = this.interval(flags.interval);
    const rows = await this.withStore(flags, (store) => store.scoreTrend({ ...range, intervalMs }));
    return this.present(
      "score-trend",
      range,
      rows,
      ["bucket", "sightings", "avgScore", "minScore"],
      flags.format,
    );
  }
}
