import { describe, expect, it } from "vitest";
import type { Alert, AlertEvent } from "../domain/alert.js";
import { applyAlertEvents, newestFirst } from "./alert-list.js";

const alert = (alertId: string, occurrences = 1, lastReportTs = "2026-11-26T10:00:00Z"): Alert =>
  ({
    alertId,
    citizen: `citizen ${alertId}`,
    occurrences,
    lastReportTs,
    lastDetectedAt: "2026-11-26T10:00:01Z",
  }) as Alert;
const opened = (a: Alert): AlertEvent => ({
  event: "opened",
  reportId: `r-${a.alertId}`,
  alert: a,
});
const ids = (alerts: readonly Alert[]) => alerts.map((a) => a.alertId);

describe("applyAlertEvents", () => {
  it("puts new alerts on top, the latest event first", () => {
    const list = applyAlertEvents([alert("a")], [opened(alert("b")), opened(alert("c"))]);
    expect(ids(list)).toEqual(["c", "b", "a"]);
  });

  it("replaces an alert by its id and moves it to the top", () => {
    const list = applyAlertEvents([alert("a"), alert("b", 1)], [opened(alert("b", 2))]);
    expect(ids(list)).toEqual(["b", "a"]);
    expect(list[0]?.occurrences).toBe(2);
  });

  it("keeps the newer alert when an event is older than what is held", () => {
    const held = [alert("a", 3)];
    expect(applyAlertEvents(held, [opened(alert("a", 2))])).toBe(held);
  });

  it("returns the same list when there is nothing to apply", () => {
    const held = [alert("a")];
    expect(applyAlertEvents(held, [])).toBe(held);
  });

  it("keeps at most `max` alerts, dropping the least recently active", () => {
    const held = [alert("a"), alert("b"), alert("c")];
    expect(ids(applyAlertEvents(held, [opened(alert("d"))], 3))).toEqual(["d", "a", "b"]);
    const burst = ["w", "x", "y", "z"].map((id) => opened(alert(id)));
    expect(ids(applyAlertEvents(held, burst, 3))).toEqual(["z", "y", "x"]);
  });
});

describe("newestFirst", () => {
  it("orders by the last report's event time, most recent first", () => {
    const list = newestFirst([
      alert("old", 1, "2026-11-26T09:00:00Z"),
      alert("new", 1, "2026-11-26T11:00:00Z"),
      alert("mid", 1, "2026-11-26T10:00:00Z"),
    ]);
    expect(ids(list)).toEqual(["new", "mid", "old"]);
  });
});
