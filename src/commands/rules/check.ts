import { Args } from "@oclif/core";
import { PwCommand } from "../../cli/base-command.js";
import { readRuleFile } from "../../cli/rules.js";
import type { AlertRuleSet } from "../../domain/alert-rules.js";

export default class RulesCheck extends PwCommand {
  static override description = `Check a rules file and say exactly what is wrong with it
A rules file is JSON: {"cooldown": "10m", "rules": [{"name": "agitated", "scoreBelow": 2, "severity": "high", "words": ["optional", "watch-list"]}]}. Severity is critical, high, medium or low; the most severe matching rule wins.`;

  static override examples = ["<%= config.bin %> rules check rules.json"];
  static override enableJsonFlag = true;
  static override args = { file: Args.string({ description: "rules file", required: true }) };

  async run(): Promise<AlertRuleSet> {
    const { args } = await this.parse(RulesCheck);
    const ruleSet = readRuleFile(args.file);
    if (!this.jsonEnabled()) {
      this.log(
        `${args.file}: ok, ${ruleSet.rules.length} rule(s), cooldown ${ruleSet.cooldownMs / 60_000} min`,
      );
      for (const r of ruleSet.rules) {
        const words = r.words ? ` when hearing ${r.words.join(", ")}` : "";
        this.log(`  ${r.severity.padEnd(8)} ${r.name}: score below ${r.scoreBelow}${words}`);
      }
    }
    return ruleSet;
  }
}
