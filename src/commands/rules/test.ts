import { Args } from "@oclif/core";
import { QueryCommand } from "../../cli/query-command.js";
import { resolveFormat, writeRows } from "../../cli/render.js";
import { readRuleFile } from "../../cli/rules.js";
import { backtestRules, type RulesBacktestResult } from "../../pipeline/rules-backtest.js";

export default class RulesTest extends QueryCommand {
  static override description =
    `Replay stored reports through a rules file: how many alerts would have fired, per rule
Uses the same rule and cooldown code as the live alert consumer.`;

  static override examples = ["<%= config.bin %> rules test rules.json --since 7d"];
  static override args = { file: Args.string({ description: "rules file", required: true }) };
  static override flags = { ...QueryCommand.flags };

  async run(): Promise<RulesBacktestResult> {
    const { args, flags } = await this.parse(RulesTest);
    const ruleSet = readRuleFile(args.file);
    const range = this.timeRange(flags);
    const result = await this.withStore(flags, (store) => backtestRules(store, ruleSet, range));
    if (!this.jsonEnabled()) {
      this.info(
        `${result.reports} stored report(s) replayed: ${result.alerts} alert(s) would have opened`,
      );
      await writeRows(
        result.rules,
        ["rule", "severity", "alerts", "repeats", "citizens"],
        resolveFormat(flags.format, false),
      );
    }
    return result;
  }
}
