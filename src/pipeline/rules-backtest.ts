import type { Store, TimeRange } from "../backends/store/types.js";
import type { AlertRuleSet } from "../domain/alert-rules.js";
import { AlertTracker } from "../domain/alert-tracker.js";

export interface RuleBacktestRow {
  rule: string;
  severity: string;
  /** Alerts that would have been opened. */
  alerts: number;
  /** Repeats folded into them within the cooldown. */
  repeats: number;
  citizens: number;
}

/** What `pw rules test --json` prints. */
export interface RulesBacktestResult {
  since: string | null;
  until: string | null;
  reports: number;
  alerts: number;
  rules: RuleBacktestRow[];
}

/**
 * Replays stored reports, oldest first, through the same AlertTracker the live
 * consumer uses (rules and cooldown alike), and counts what would have fired.
 */
export async function backtestRules(
  store: Store,
  ruleSet: AlertRuleSet,
  range: TimeRange,
): Promise<RulesBacktestResult> {
  const tracker = new AlertTracker(ruleSet);
  const rows = new Map<string, RuleBacktestRow & { people: Set<string> }>(
    ruleSet.rules.map((r) => [
      r.name,
      { rule: r.name, severity: r.severity, alerts: 0, repeats: 0, citizens: 0, people: new Set() },
    ]),
  );
  let reports = 0;
  for await (const report of store.reports(range)) {
    reports++;
    for (const { event, alert } of tracker.observe(report, Date.parse(report.ts))) {
      const row = rows.get(alert.rule)!;
      if (event === "opened") row.alerts++;
      else row.repeats++;
      row.people.add(alert.citizen);
    }
  }
  const rules = [...rows.values()].map(({ people, ...row }) => ({ ...row, citizens: people.size }));
  return {
    since: range.since === undefined ? null : new Date(range.since).toISOString(),
    until: range.until === undefined ? null : new Date(range.until).toISOString(),
    reports,
    alerts: rules.reduce((n, r) => n + r.alerts, 0),
    rules,
  };
}
