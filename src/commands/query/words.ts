import { Flags } from "@oclif/core";
import type { WordRow } from "../../backends/store/types.js";
import { QueryCommand, type QueryResult, thresholdFlag } from "../../cli/query-command.js";

export type WordsResult = QueryResult<WordRow>;

export default class Words extends QueryCommand {
  static override description = `Words heard near agitated citizens, compared with all reports
lift = share of agitated reports with the word / share of all reports with it; above 1, the word goes with agitation.`;
  static override examples = [
    "<%= config.bin %> query words --since 7d",
    "<%= config.bin %> query words --sort count --limit 50",
  ];
  static override flags = {
    ...QueryCommand.flags,
    ...thresholdFlag,
    limit: Flags.integer({ description: "how many words", default: 20, min: 1 }),
    sort: Flags.string({
      description: "order by lift or by count near agitation",
      options: ["lift", "count"],
      default: "lift",
    }),
    "min-count": Flags.integer({
      description: "leave out words heard in fewer agitated reports",
      default: 5,
      min: 1,
    }),
  };

  async run(): Promise<WordsResult> {
    const { flags } = await this.parse(Words);
    const range = this.timeRange(flags);
    const threshold = this.threshold(flags.threshold);
    const rows = await this.withStore(flags, (store) =>
      store.words({
        ...range,
        threshold,
        limit: flags.limit,
        minAgitatedReports: flags["min-count"],
        sort: flags.sort as "lift" | "count",
      }),
    );
    return this.present(
      "words",
      range,
      rows,
      ["word", "agitatedReports", "reports", "lift"],
      flags.format,
    );
  }
}
