import { readFileSync } from "node:fs";
import { type AlertRuleSet, defaultRuleSet, parseRuleSet } from "../domain/alert-rules.js";
import { parseDuration } from "../domain/duration.js";
import { UsageError } from "../domain/errors.js";

/** The rule set from --rules FILE, or the default rule with --threshold; --cooldown overrides either. */
export function loadRuleSet(flags: {
  rules?: string | undefined;
  threshold?: number | undefined;
  cooldown?: string | undefined;
}): AlertRuleSet {
  if (flags.rules !== undefined && flags.threshold !== undefined) {
    throw new UsageError(
      "use --threshold or --rules, not both: a rules file sets its own thresholds",
    );
  }
  if (flags.threshold !== undefined && !(flags.threshold > 0 && flags.threshold <= 10)) {
    throw new UsageError("--threshold must be a number in (0, 10]");
  }
  let ruleSet = defaultRuleSet(flags.threshold);
  if (flags.rules !== undefined) {
    let text: string;
    try {
      text = readFileSync(flags.rules, "utf8");
    } catch (error) {
      throw new UsageError(
        `cannot read rules file ${flags.rules}: ${(error as Error).message}`,
        error,
      );
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new UsageError(
        `rules file ${flags.rules} is not valid JSON: ${(error as Error).message}`,
        error,
      );
    }
    ruleSet = parseRuleSet(value, flags.rules);
  }
  if (flags.cooldown !== undefined) {
    ruleSet = { ...ruleSet, cooldownMs: parseDuration(flags.cooldown, "--cooldown") };
  }
  return ruleSet;
}
