import { createHash } from "node:crypto";
import { type Alert, type AlertEvent, SEVERITIES } from "./alert.js";
import { type AlertRuleSet, heardWords, highestThreshold, matchRule } from "./alert-rules.js";
import { type Report, reportTimeMs } from "./report.js";

const SWEEP_EVERY = 10_000;

/**
 * Turns reports into alert events: one alert per agitated citizen per report,
 * except that a repeat of the same citizen within the cooldown of the alert's
 * last occurrence folds into it. Time is the reports' event time, so a replay of
 * stored reports (backtest) gives exactly what the live consumer gave.
 *
 * Pure: the caller feeds reports in, persists the events, and seeds a new tracker
 * with the alerts still open (`restore`) after a restart.
 */
export class AlertTracker {
  private readonly byCitizen = new Map<string, Alert>();
  private threshold: number;
  private observed = 0;
  private newestMs = Number.NEGATIVE_INFINITY;

  constructor(
    private ruleSet: AlertRuleSet,
    restore: readonly Alert[] = [],
  ) {
    this.threshold = highestThreshold(ruleSet);
    for (const alert of restore) this.remember(alert);
  }

  /** Alert events caused by one report, detected at `detectedAtMs`. */
  observe(report: Report, detectedAtMs: number): AlertEvent[] {
    if (!report.citizens.some((c) => c.score < this.threshold)) return [];
    const reportMs = reportTimeMs(report);
    this.newestMs = Math.max(this.newestMs, reportMs);
    if (++this.observed % SWEEP_EVERY === 0) this.sweep();
    const heard = heardWords(report);
    const events: AlertEvent[] = [];
    const seenHere = new Set<string>();
    for (const citizen of report.citizens) {
      // A citizen listed twice in one report is one sighting.
      if (seenHere.has(citizen.name)) continue;
      const rule = matchRule(this.ruleSet, citizen, heard);
      if (!rule) continue;
      seenHere.add(citizen.name);
      const detectedAt = new Date(detectedAtMs).toISOString();
      const open = this.byCitizen.get(citizen.name);
      if (open && open.state !== "resolved" && this.withinCooldown(open, reportMs)) {
        const newer = reportMs >= Date.parse(open.lastReportTs);
        const folded: Alert = {
          ...open,
          occurrences: open.occurrences + 1,
          severity: moreSevere(open.severity, rule.severity),
          lastDetectedAt: detectedAt,
          ...(newer && {
            lastScore: citizen.score,
            lastDroneId: report.droneId,
            lastLocation: { lat: report.location.lat, lon: report.location.lon },
            lastReportId: report.reportId,
            lastReportTs: report.ts,
          }),
        };
        this.byCitizen.set(citizen.name, folded);
        events.push({ event: "updated", reportId: report.reportId, alert: folded });
        continue;
      }
      const location = { lat: report.location.lat, lon: report.location.lon };
      const opened: Alert = {
        alertId: alertIdFor(report.reportId, citizen.name),
        rule: rule.name,
        severity: rule.severity,
        state: "open",
        citizen: citizen.name,
        score: citizen.score,
        droneId: report.droneId,
        location,
        reportId: report.reportId,
        reportTs: report.ts,
        detectedAt,
        words: report.words,
        occurrences: 1,
        lastScore: citizen.score,
        lastDroneId: report.droneId,
        lastLocation: location,
        lastReportId: report.reportId,
        lastReportTs: report.ts,
        lastDetectedAt: detectedAt,
      };
      this.byCitizen.set(citizen.name, opened);
      events.push({ event: "opened", reportId: report.reportId, alert: opened });
    }
    return events;
  }

  /** Switches to new rules (a reloaded rules file); open alerts and their cooldowns carry on. */
  replaceRules(ruleSet: AlertRuleSet): void {
    this.ruleSet = ruleSet;
    this.threshold = highestThreshold(ruleSet);
  }

  /** The score below which the current rules may fire. */
  get scoreThreshold(): number {
    return this.threshold;
  }

  /** Applies a state change made elsewhere (an operator acked or resolved it). */
  updateState(alertId: string, state: Alert["state"]): void {
    for (const [citizen, alert] of this.byCitizen) {
      if (alert.alertId === alertId) this.byCitizen.set(citizen, { ...alert, state });
    }
  }

  private remember(alert: Alert): void {
    const known = this.byCitizen.get(alert.citizen);
    if (!known || Date.parse(alert.lastReportTs) >= Date.parse(known.lastReportTs)) {
      this.byCitizen.set(alert.citizen, alert);
    }
    this.newestMs = Math.max(this.newestMs, Date.parse(alert.lastReportTs));
  }

  private withinCooldown(alert: Alert, reportMs: number): boolean {
    return Math.abs(reportMs - Date.parse(alert.lastReportTs)) <= this.ruleSet.cooldownMs;
  }

  /** Forgets alerts whose cooldown ended long before the newest report: memory stays bounded. */
  private sweep(): void {
    const horizon = this.newestMs - 2 * this.ruleSet.cooldownMs;
    for (const [citizen, alert] of this.byCitizen) {
      if (Date.parse(alert.lastReportTs) < horizon) this.byCitizen.delete(citizen);
    }
  }
}

/** Deterministic, so reprocessing the same report after a crash names the same alert. */
export function alertIdFor(reportId: string, citizen: string): string {
  return `al_${createHash("sha256").update(reportId).update("\0").update(citizen).digest("hex").slice(0, 20)}`;
}

function moreSevere(a: Alert["severity"], b: Alert["severity"]): Alert["severity"] {
  return SEVERITIES.indexOf(a) <= SEVERITIES.indexOf(b) ? a : b;
}
