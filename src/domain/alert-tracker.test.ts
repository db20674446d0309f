import { describe, expect, it } from "vitest";
import { defaultRuleSet, parseRuleSet } from "./alert-rules.js";
import { AlertTracker } from "./alert-tracker.js";
import type { Report } from "./report.js";

const base = Date.parse("2026-11-26T10:00:00Z");
const report = (id: string, minutes: number, citizens: Report["citizens"], words: string[] = []) =>
  ({
    reportId: id,
    droneId: `d-${id}`,
    ts: new Date(base + minutes * 60_000).toISOString(),
    location: { lat: 48 + minutes / 1000, lon: 2 },
    citizens,
    words,
  }) satisfies Report;

describe("AlertTracker", () => {
  it("opens one alert per agitated citizen in a report, with location and name", () => {
    const tracker = new AlertTracker(defaultRuleSet());
    const events = tracker.observe(
      report("r1", 0, [
        { name: "Ann", score: 1.5 },
        { name: "Bob", score: 0.2 },
        { name: "Cid", score: 2 },
      ]),
      base + 5,
    );
    expect(events.map((e) => [e.event, e.alert.citizen])).toEqual([
      ["opened", "Ann"],
      ["opened", "Bob"],
    ]);
    expect(events[0]?.alert).toMatchObject({
      droneId: "d-r1",
      location: { lat: 48, lon: 2 },
      score: 1.5,
      occurrences: 1,
      state: "open",
      detectedAt: new Date(base + 5).toISOString(),
    });
  });

  it("folds a repeat inside the cooldown into the open alert, measured from the last occurrence", () => {
    const tracker = new AlertTracker(defaultRuleSet());
    const first = tracker.observe(report("r1", 0, [{ name: "Ann", score: 1 }]), base);
    const second = tracker.observe(report("r2", 9, [{ name: "Ann", score: 0.5 }]), base);
    const third = tracker.observe(report("r3", 18, [{ name: "Ann", score: 1.9 }]), base);
    expect(second[0]).toMatchObject({
      event: "updated",
      alert: { occurrences: 2, lastScore: 0.5 },
    });
    expect(third[0]).toMatchObject({
      event: "updated",
      alert: { alertId: first[0]?.alert.alertId, occurrences: 3, lastReportId: "r3" },
    });
    const later = tracker.observe(report("r4", 29, [{ name: "Ann", score: 1 }]), base);
    expect(later[0]?.event).toBe("opened");
    expect(later[0]?.alert.alertId).not.toBe(first[0]?.alert.alertId);
  });

  it("opens a new alert after the previous one was resolved", () => {
    const tracker = new AlertTracker(defaultRuleSet());
    const [opened] = tracker.observe(report("r1", 0, [{ name: "Ann", score: 1 }]), base);
    tracker.updateState(opened!.alert.alertId, "resolved");
    expect(tracker.observe(report("r2", 1, [{ name: "Ann", score: 1 }]), base)[0]?.event).toBe(
      "opened",
    );
  });

  it("resumes folding after a restart from the alerts it is given", () => {
    const first = new AlertTracker(defaultRuleSet());
    const [opened] = first.observe(report("r1", 0, [{ name: "Ann", score: 1 }]), base);
    const restarted = new AlertTracker(defaultRuleSet(), [opened!.alert]);
    expect(restarted.observe(report("r2", 5, [{ name: "Ann", score: 1 }]), base)[0]).toMatchObject({
      event: "updated",
      alert: { occurrences: 2 },
    });
  });

  it("applies the most severe matching rule, and word watch-lists", () => {
    const rules = parseRuleSet(
      {
        cooldown: "1m",
        rules: [
          { name: "low", scoreBelow: 3, severity: "medium" },
          { name: "riot", scoreBelow: 5, severity: "critical", words: ["Riot"] },
        ],
      },
      "test",
    );
    const tracker = new AlertTracker(rules);
    const quiet = tracker.observe(report("r1", 0, [{ name: "Ann", score: 2.5 }], ["calm"]), base);
    expect(quiet[0]?.alert).toMatchObject({ rule: "low", severity: "medium" });
    const loud = tracker.observe(report("r2", 5, [{ name: "Bob", score: 4 }], ["RIOT"]), base);
    expect(loud[0]?.alert).toMatchObject({ rule: "riot", severity: "critical" });
    expect(tracker.observe(report("r3", 6, [{ name: "Cid", score: 4 }], ["calm"]), base)).toEqual(
      [],
    );
  });

  it("names the same alert for the same report and citizen, so reprocessing is idempotent", () => {
    const a = new AlertTracker(defaultRuleSet()).observe(
      report("r1", 0, [{ name: "A", score: 1 }]),
      1,
    );
    const b = new AlertTracker(defaultRuleSet()).observe(
      report("r1", 0, [{ name: "A", score: 1 }]),
      2,
    );
    expect(a[0]?.alert.alertId).toBe(b[0]?.alert.alertId);
  });
});

describe("parseRuleSet", () => {
  it("names every bad field", () => {
    expect(() =>
      parseRuleSet(
        { cooldown: "soon", rules: [{ name: "", scoreBelow: 11, severity: "bad" }] },
        "f.json",
      ),
    ).toThrow(
      /cooldown: .*; rules\[0\]\.name: .*; rules\[0\]\.scoreBelow: .*; rules\[0\]\.severity/,
    );
  });
});
