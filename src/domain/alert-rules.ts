import { SEVERITIES, type Severity } from "./alert.js";
import { parseDuration } from "./duration.js";
import { type FieldProblem, PwError } from "./errors.js";
import type { Citizen, Report } from "./report.js";

export interface AlertRule {
  name: string;
  /** A citizen whose score is strictly below this matches. */
  scoreBelow: number;
  severity: Severity;
  /** When set, the rule only matches if the report heard one of these words (case-insensitive). */
  words?: string[];
}

export interface AlertRuleSet {
  rules: AlertRule[];
  /** A repeat of the same citizen within this long of the last occurrence folds into the open alert. */
  cooldownMs: number;
}

export const DEFAULT_THRESHOLD = 2;
export const DEFAULT_COOLDOWN_MS = 10 * 60_000;

export function defaultRuleSet(threshold = DEFAULT_THRESHOLD): AlertRuleSet {
  return {
    rules: [{ name: "agitated", scoreBelow: threshold, severity: "high" }],
    cooldownMs: DEFAULT_COOLDOWN_MS,
  };
}

export class InvalidRulesError extends PwError {
  readonly problems: readonly FieldProblem[];
  constructor(source: string, problems: readonly FieldProblem[]) {
    super(
      `invalid rules in ${source}: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`,
      { code: "INVALID_RULES", exitCode: 2 },
    );
    this.problems = problems;
  }
}

/**
 * Reads a rules document such as
 * `{"cooldown": "10m", "rules": [{"name": "agitated", "scoreBelow": 2, "severity": "high"}]}`.
 */
export function parseRuleSet(value: unknown, source: string): AlertRuleSet {
  const problems: FieldProblem[] = [];
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidRulesError(source, [{ path: "", message: "must be a JSON object" }]);
  }
  const doc = value as Record<string, unknown>;
  let cooldownMs = DEFAULT_COOLDOWN_MS;
  if (doc.cooldown !== undefined) {
    try {
      cooldownMs = parseDuration(String(doc.cooldown), "cooldown");
    } catch (error) {
      problems.push({ path: "cooldown", message: (error as Error).message });
    }
  }
  const rules: AlertRule[] = [];
  if (!Array.isArray(doc.rules) || doc.rules.length === 0) {
    problems.push({ path: "rules", message: "must be a non-empty array" });
  } else {
    const names = new Set<string>();
    doc.rules.forEach((raw: unknown, i: number) => {
      const at = `rules[${i}]`;
      const r = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
      if (typeof r.name !== "string" || r.name.length === 0) {
        problems.push({ path: `${at}.name`, message: "must be a non-empty string" });
      } else if (names.has(r.name)) {
        problems.push({ path: `${at}.name`, message: `"${r.name}" is used twice` });
      } else names.add(r.name);
      if (typeof r.scoreBelow !== "number" || r.scoreBelow <= 0 || r.scoreBelow > 10) {
        problems.push({ path: `${at}.scoreBelow`, message: "must be a number in (0, 10]" });
      }
      const severity = r.severity ?? "high";
      if (!SEVERITIES.includes(severity as Severity)) {
        problems.push({
          path: `${at}.severity`,
          message: `must be one of ${SEVERITIES.join(", ")}`,
        });
      }
      if (
        r.words !== undefined &&
        (!Array.isArray(r.words) || r.words.some((w) => typeof w !== "string" || w === ""))
      ) {
        problems.push({ path: `${at}.words`, message: "must be an array of non-empty strings" });
      }
      const rule: AlertRule = {
        name: String(r.name),
        scoreBelow: Number(r.scoreBelow),
        severity: severity as Severity,
      };
      if (Array.isArray(r.words)) rule.words = (r.words as string[]).map((w) => w.toLowerCase());
      rules.push(rule);
    });
  }
  if (problems.length > 0) throw new InvalidRulesError(source, problems);
  return { rules: sortBySeverity(rules), cooldownMs };
}

/** The most severe rule matching this citizen in this report, if any. */
export function matchRule(
  ruleSet: AlertRuleSet,
  citizen: Citizen,
  heard: ReadonlySet<string>,
): AlertRule | undefined {
  for (const rule of ruleSet.rules) {
    if (citizen.score >= rule.scoreBelow) continue;
    if (rule.words && !rule.words.some((w) => heard.has(w))) continue;
    return rule;
  }
  return undefined;
}

/** Lower-cased words of a report, for watch-list rules. */
export function heardWords(report: Report): ReadonlySet<string> {
  return new Set(report.words.map((w) => w.toLowerCase()));
}

/** The score below which any rule can fire: reports with no citizen under it need no closer look. */
export function highestThreshold(ruleSet: AlertRuleSet): number {
  return Math.max(...ruleSet.rules.map((r) => r.scoreBelow));
}

function sortBySeverity(rules: AlertRule[]): AlertRule[] {
  return [...rules].sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
}
