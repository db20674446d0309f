import { Flags } from "@oclif/core";
import type { TopAgitatedRow } from "../../backends/store/types.js";
import { QueryCommand, type QueryResult, thresholdFlag } from "../../cli/query-command.js";

export type TopAgitatedResult = QueryResult<TopAgitatedRow>;

export default class TopAgitated extends QueryCommand {
  static override description = "Citizens most often seen with a low score";
  static override examples = ["<%= config.bin %> query top-agitated --since 7d --limit 20"];
  static override flags = {
    ...QueryCommand.flags,
    ...thresholdFlag,
    limit: Flags.integer({ description: "how many citizens", default: 10, min: 1 }),
  };

  async run(): Promise<TopAgitatedResult> {
    const { flags } = await this.parse(TopAgitated);
    const range = this.timeRange(flags);
    const threshold = this.threshold(flags.threshold);
    const rows = await this.withStore(flags, (store) =>
      store.topAgitated({ ...range, threshold, limit: flags.limit }),
    );
    return this.present(
      "top-agitated",
      range,
      rows,
      ["citizen", "agitatedSightings", "sightings", "minScore", "avgScore", "lastSeen"],
      flags.format,
    );
  }
}
