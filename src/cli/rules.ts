import { readFileSync, watch } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { type AlertRuleSet, defaultRuleSet, parseRuleSet } from "../domain/alert-rules.js";
import { parseDuration } from "../domain/duration.js";
import { PwError, UsageError } from "../domain/errors.js";

interface RuleFlags {
  rules?: string | undefined;
  threshold?: number | undefined;
  cooldown?: string | undefined;
}

/** The rule set from --rules FILE, or the default rule with --threshold; --cooldown overrides either. */
export function loadRuleSet(flags: RuleFlags): AlertRuleSet {
  if (flags.rules !== undefined && flags.threshold !== undefined) {
    throw new UsageError(
      "use --threshold or --rules, not both: a rules file sets its own thresholds",
    );
  }
  if (flags.threshold !== undefined && !(flags.threshold > 0 && flags.threshold <= 10)) {
    throw new UsageError("--threshold must be a number in (0, 10]");
  }
  const ruleSet =
    flags.rules === undefined ? defaultRuleSet(flags.threshold) : readRuleFile(flags.rules);
  return flags.cooldown === undefined
    ? ruleSet
    : { ...ruleSet, cooldownMs: parseDuration(flags.cooldown, "--cooldown") };
}

/** Reads and checks a rules file; JSON syntax errors name the line and column. */
export function readRuleFile(path: string): AlertRuleSet {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read rules file ${path}: ${(error as Error).message}`, error);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const at = /position (\d+)/.exec(message);
    const where = at ? ` at ${lineAndColumn(text, Number(at[1]))}` : "";
    throw new UsageError(`rules file ${path} is not valid JSON${where}: ${message}`, error);
  }
  return parseRuleSet(value, path);
}

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position);
  const line = before.split("\n").length;
  return `line ${line}, column ${position - before.lastIndexOf("\n")}`;
}

/**
 * Follows a rules file: `current()` is always the last valid version. A change
 * that does not parse is reported through `warn` and ignored, so a typo while
 * editing never stops alerting.
 */
export function watchRuleFile(
  flags: RuleFlags,
  warn: (message: string) => void,
): { current: () => AlertRuleSet; close: () => void } {
  let ruleSet = loadRuleSet(flags);
  if (flags.rules === undefined) return { current: () => ruleSet, close: () => undefined };
  const path = resolve(flags.rules);
  let debounce: NodeJS.Timeout | undefined;
  // Editors replace files rather than write them in place: watch the directory.
  const watcher = watch(dirname(path), { persistent: false }, (_event, name) => {
    if (name !== basename(path)) return;
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      try {
        ruleSet = loadRuleSet(flags);
        warn(
          `pw: rules reloaded from ${flags.rules}: ${ruleSet.rules.map((r) => r.name).join(", ")}`,
        );
      } catch (error) {
        warn(
          `pw: kept the previous rules: ${error instanceof PwError ? error.message : String(error)}`,
        );
      }
    }, 50);
  });
  return {
    current: () => ruleSet,
    close: () => {
      clearTimeout(debounce);
      watcher.close();
    },
  };
}
