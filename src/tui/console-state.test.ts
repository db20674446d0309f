import { describe, expect, it } from "vitest";
import type { Alert } from "../domain/alert.js";
import {
  type ConsoleState,
  consoleReducer,
  INITIAL_CONSOLE_STATE,
  moveSelection,
  readPrompt,
  visibleAlerts,
} from "./console-state.js";

const alert = (alertId: string, citizen: string, droneId = "d-1", words: string[] = []): Alert =>
  ({ alertId, citizen, droneId, lastDroneId: droneId, words }) as Alert;

const alerts = [
  alert("a1", "Ann Martin", "d-7", ["calm"]),
  alert("a2", "Bob Durand", "d-12", ["angry", "loud"]),
  alert("a3", "Cléo Petit", "d-7"),
];
const NOW = Date.parse("2026-11-26T10:00:00Z");

describe("moveSelection", () => {
  it("follows the newest at the top, sticks to an alert below it", () => {
    expect(moveSelection(null, alerts, 1)).toBe("a2");
    expect(moveSelection("a2", alerts, 1)).toBe("a3");
    expect(moveSelection("a2", alerts, -1)).toBeNull();
  });

  it("stops at both ends and jumps to them", () => {
    expect(moveSelection("a3", alerts, 5)).toBe("a3");
    expect(moveSelection(null, alerts, -1)).toBeNull();
    expect(moveSelection(null, alerts, "bottom")).toBe("a3");
    expect(moveSelection("a3", alerts, "top")).toBeNull();
  });

  it("starts from the top when the selected alert is gone", () => {
    expect(moveSelection("gone", alerts, 1)).toBe("a2");
    expect(moveSelection("a1", [], 1)).toBeNull();
  });
});

describe("readPrompt", () => {
  it("reads a filter as a case-insensitive regex, and an empty one as no filter", () => {
    const intent = readPrompt({ kind: "filter", text: "^bob" }, NOW);
    expect(intent).toMatchObject({ kind: "filter", filter: { source: "^bob" } });
    expect(readPrompt({ kind: "filter", text: "  " }, NOW)).toEqual({
      kind: "filter",
      filter: null,
    });
  });

  it("says what is wrong with an invalid regex instead of throwing", () => {
    expect(readPrompt({ kind: "filter", text: "(bob" }, NOW)).toEqual({
      error: expect.stringMatching(/^invalid filter: .*/),
    });
  });

  it("needs a reason to ack or resolve", () => {
    const target = { alertId: "a2", citizen: "Bob Durand" };
    expect(readPrompt({ kind: "ack", text: " ", target }, NOW)).toEqual({
      error: "a reason is needed to ack an alert",
    });
    expect(readPrompt({ kind: "resolve", text: "false alarm", target }, NOW)).toEqual({
      kind: "resolve",
      alertId: "a2",
      citizen: "Bob Durand",
      reason: "false alarm",
    });
  });

  it("reads a mute duration into an end time", () => {
    const target = { alertId: "a2", citizen: "Bob Durand" };
    expect(readPrompt({ kind: "mute", text: "30m", target }, NOW)).toEqual({
      kind: "mute",
      citizen: "Bob Durand",
      untilMs: NOW + 30 * 60_000,
      now: NOW,
    });
    expect(readPrompt({ kind: "mute", text: "soon", target }, NOW)).toEqual({
      error: expect.stringContaining('"soon" is not a duration'),
    });
    expect(readPrompt({ kind: "mute", text: "0s", target }, NOW)).toEqual({
      error: "the mute duration must be more than zero",
    });
  });
});

describe("visibleAlerts", () => {
  const filter = (source: string) => ({ source, regex: new RegExp(source, "i") });

  it("matches the filter against citizen, drone ids and words", () => {
    const ids = (source: string) =>
      visibleAlerts(alerts, filter(source), {}, NOW).map((a) => a.alertId);
    expect(ids("martin")).toEqual(["a1"]);
    expect(ids("^d-7$")).toEqual(["a1", "a3"]);
    expect(ids("loud")).toEqual(["a2"]);
  });

  it("hides a muted citizen until the mute ends", () => {
    const mutes = { "Bob Durand": NOW + 1000 };
    expect(visibleAlerts(alerts, null, mutes, NOW).map((a) => a.alertId)).toEqual(["a1", "a3"]);
    expect(visibleAlerts(alerts, null, mutes, NOW + 1000)).toBe(alerts);
  });
});

describe("consoleReducer", () => {
  const reduce = (state: ConsoleState, ...actions: Parameters<typeof consoleReducer>[1][]) =>
    actions.reduce(consoleReducer, state);

  it("edits the input line and applies a filter on submit, following the top", () => {
    const state = reduce(
      { ...INITIAL_CONSOLE_STATE, selectedId: "a3" },
      { type: "openPrompt", kind: "filter" },
      { type: "typeInPrompt", text: "bobx" },
      { type: "eraseInPrompt" },
    );
    expect(state.prompt).toEqual({ kind: "filter", text: "bob" });
    const intent = readPrompt(state.prompt!, NOW);
    if ("error" in intent) throw new Error(intent.error);
    const applied = consoleReducer(state, { type: "submitted", intent });
    expect(applied.prompt).toBeNull();
    expect(applied.filter?.source).toBe("bob");
    expect(applied.selectedId).toBeNull();
  });

  it("opens the filter prompt with the current filter to edit", () => {
    const state = reduce(
      { ...INITIAL_CONSOLE_STATE, filter: { source: "bob", regex: /bob/i } },
      { type: "openPrompt", kind: "filter" },
    );
    expect(state.prompt?.text).toBe("bob");
  });

  it("pauses on a frozen copy of the alerts and resumes live", () => {
    const paused = reduce(INITIAL_CONSOLE_STATE, {
      type: "togglePause",
      alerts,
      eventsReceived: 42,
    });
    expect(paused.paused).toEqual({ alerts, eventsAtPause: 42 });
    expect(
      reduce(paused, { type: "togglePause", alerts: [], eventsReceived: 50 }).paused,
    ).toBeNull();
  });

  it("records a mute and forgets mutes that have ended", () => {
    const state = reduce(
      { ...INITIAL_CONSOLE_STATE, mutes: { Old: NOW - 1 } },
      {
        type: "submitted",
        intent: { kind: "mute", citizen: "Bob", untilMs: NOW + 60_000, now: NOW },
      },
    );
    expect(state.mutes).toEqual({ Bob: NOW + 60_000 });
    expect(state.notice).toEqual({
      tone: "info",
      text: "muted Bob until 2026-11-26T10:01:00.000Z",
    });
  });

  it("remembers the alert a prompt is about", () => {
    const state = reduce(INITIAL_CONSOLE_STATE, {
      type: "openPrompt",
      kind: "ack",
      target: alerts[1]!,
    });
    expect(state.prompt).toEqual({
      kind: "ack",
      text: "",
      target: { alertId: "a2", citizen: "Bob Durand" },
    });
  });
});
