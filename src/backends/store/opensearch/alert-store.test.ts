import { describe, expect, it } from "vitest";
import type { Alert, AlertEvent } from "../../../domain/alert.js";
import { alertDocument, alertOf, latestAlerts } from "./alert-store.js";

const alert = (alertId: string, occurrences: number, extra: Partial<Alert> = {}): Alert =>
  ({
    alertId,
    occurrences,
    state: "open",
    detectedAt: "2026-11-26T10:00:00.000Z",
    lastReportTs: "2026-11-26T11:00:00+01:00",
    ...extra,
  }) as Alert;
const event = (a: Alert): AlertEvent => ({ event: "updated", reportId: "r", alert: a });

describe("alert documents", () => {
  it("add epoch fields for sorting, keep the given state, and read back as the Alert", () => {
    const doc = alertDocument(alert("a1", 2), "acked");
    expect(doc).toMatchObject({
      state: "acked",
      detectedMs: Date.parse("2026-11-26T10:00:00Z"),
      lastReportMs: Date.parse("2026-11-26T10:00:00Z"),
    });
    expect(alertOf(doc)).toEqual({ ...alert("a1", 2), state: "acked" });
  });

  it("carry the operators' state, change time and audit trail over an update", () => {
    const audit = [
      {
        at: "2026-11-26T12:00:00.000Z",
        operator: "zoe",
        action: "ack" as const,
        reason: "on it",
        from: "open" as const,
        to: "acked" as const,
      },
    ];
    const stored = { state: "acked" as const, stateChangedMs: 42, audit };
    const doc = alertDocument(alert("a1", 3), stored);
    expect(doc).toMatchObject(stored);
    expect(alertOf(doc)).toEqual({ ...alert("a1", 3), state: "acked" });
  });

  it("keeps the newest version of each alert: most occurrences, first of equals", () => {
    const first = alert("a1", 2, { lastScore: 1 });
    const latest = latestAlerts([
      event(alert("a1", 1)),
      event(first),
      event(alert("a1", 2, { lastScore: 9 })),
      event(alert("b1", 1)),
    ]);
    expect([...latest.keys()]).toEqual(["a1", "b1"]);
    expect(latest.get("a1")).toBe(first);
  });
});
