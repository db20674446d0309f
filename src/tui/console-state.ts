import type { Alert } from "../domain/alert.js";
import { parseDuration } from "../domain/duration.js";
import { PwError } from "../domain/errors.js";

/**
 * State of the live alert console other than the alerts themselves: which alert
 * is selected, the filter, the input line, pause, mutes and the last notice.
 * Changed only through `consoleReducer`, so every key's effect is a pure,
 * testable step.
 */
export interface ConsoleState {
  /** The selected alert, or null to follow the newest (top) one as alerts arrive. */
  selectedId: string | null;
  filter: AlertFilter | null;
  prompt: Prompt | null;
  showHelp: boolean;
  /** While paused the console shows this frozen list; the feed keeps reading. */
  paused: { alerts: readonly Alert[]; eventsAtPause: number } | null;
  /** Citizen name → epoch ms until which their alerts are hidden. */
  mutes: Readonly<Record<string, number>>;
  notice: Notice | null;
}

/** A case-insensitive regular expression over citizen name, drone ids and words. */
export interface AlertFilter {
  source: string;
  regex: RegExp;
}

export type PromptKind = "filter" | "ack" | "resolve" | "mute";

/** The input line: what it asks for, what was typed, and the alert it is about. */
export interface Prompt {
  kind: PromptKind;
  text: string;
  target?: Pick<Alert, "alertId" | "citizen">;
}

export interface Notice {
  tone: "info" | "error";
  text: string;
}

/** What a submitted prompt asks for, once its text is understood. */
export type Intent =
  | { kind: "filter"; filter: AlertFilter | null }
  | { kind: "ack" | "resolve"; alertId: string; citizen: string; reason: string }
  | { kind: "mute"; citizen: string; untilMs: number; now: number };

export type ConsoleAction =
  | { type: "move"; by: number | "top" | "bottom"; visible: readonly Alert[] }
  | { type: "openPrompt"; kind: PromptKind; target?: Alert }
  | { type: "typeInPrompt"; text: string }
  | { type: "eraseInPrompt" }
  | { type: "cancelPrompt" }
  | { type: "submitted"; intent: Intent }
  | { type: "notice"; notice: Notice | null }
  | { type: "toggleHelp" }
  | { type: "togglePause"; alerts: readonly Alert[]; eventsReceived: number }
  | { type: "clearFilter" };

export const INITIAL_CONSOLE_STATE: ConsoleState = {
  selectedId: null,
  filter: null,
  prompt: null,
  showHelp: false,
  paused: null,
  mutes: {},
  notice: null,
};

export function consoleReducer(state: ConsoleState, action: ConsoleAction): ConsoleState {
  switch (action.type) {
    case "move":
      return { ...state, selectedId: moveSelection(state.selectedId, action.visible, action.by) };
    case "openPrompt": {
      const text = action.kind === "filter" ? (state.filter?.source ?? "") : "";
      const target = action.target && {
        alertId: action.target.alertId,
        citizen: action.target.citizen,
      };
      return {
        ...state,
        prompt: { kind: action.kind, text, ...(target && { target }) },
        notice: null,
        showHelp: false,
      };
    }
    case "typeInPrompt":
      return state.prompt
        ? { ...state, prompt: { ...state.prompt, text: state.prompt.text + action.text } }
        : state;
    case "eraseInPrompt":
      return state.prompt
        ? {
            ...state,
            prompt: { ...state.prompt, text: [...state.prompt.text].slice(0, -1).join("") },
          }
        : state;
    case "cancelPrompt":
      return { ...state, prompt: null, notice: null };
    case "submitted":
      return applyIntent({ ...state, prompt: null, notice: null }, action.intent);
    case "notice":
      return { ...state, notice: action.notice };
    case "toggleHelp":
      return { ...state, showHelp: !state.showHelp };
    case "togglePause":
      return {
        ...state,
        paused: state.paused
          ? null
          : { alerts: action.alerts, eventsAtPause: action.eventsReceived },
      };
    case "clearFilter":
      return { ...state, filter: null, notice: null };
  }
}

function applyIntent(state: ConsoleState, intent: Intent): ConsoleState {
  switch (intent.kind) {
    case "filter":
      // The selected alert may not match: follow the top of the new list.
      return { ...state, filter: intent.filter, selectedId: null };
    case "mute": {
      const mutes: Record<string, number> = {};
      for (const [citizen, until] of Object.entries(state.mutes)) {
        if (until > intent.now) mutes[citizen] = until;
      }
      mutes[intent.citizen] = intent.untilMs;
      return {
        ...state,
        mutes,
        notice: {
          tone: "info",
          text: `muted ${intent.citizen} until ${new Date(intent.untilMs).toISOString()}`,
        },
      };
    }
    case "ack":
    case "resolve":
      return {
        ...state,
        notice: { tone: "info", text: `${intent.kind === "ack" ? "acking" : "resolving"}…` },
      };
  }
}

/**
 * Moves the selection through the visible alerts. Landing on the top row
 * returns null, which follows the newest alert as new ones arrive; anywhere
 * else the selection sticks to its alert while the list grows above it.
 */
export function moveSelection(
  selectedId: string | null,
  visible: readonly Alert[],
  by: number | "top" | "bottom",
): string | null {
  if (visible.length === 0) return null;
  const current = selectedIndex(selectedId, visible);
  const target =
    by === "top"
      ? 0
      : by === "bottom"
        ? visible.length - 1
        : clamp(current + by, 0, visible.length - 1);
  return target === 0 ? null : visible[target]!.alertId;
}

/** Index of the selected alert among the visible ones; the top when it is gone or none is. */
export function selectedIndex(selectedId: string | null, visible: readonly Alert[]): number {
  if (selectedId === null) return 0;
  const index = visible.findIndex((a) => a.alertId === selectedId);
  return Math.max(0, index);
}

/** The alerts to list: not muted at `now`, and matching the filter. */
export function visibleAlerts(
  alerts: readonly Alert[],
  filter: AlertFilter | null,
  mutes: Readonly<Record<string, number>>,
  now: number,
): readonly Alert[] {
  const hasMutes = Object.values(mutes).some((until) => until > now);
  if (!filter && !hasMutes) return alerts;
  return alerts.filter((alert) => {
    const mutedUntil = mutes[alert.citizen];
    if (mutedUntil !== undefined && mutedUntil > now) return false;
    return !filter || matchesFilter(alert, filter.regex);
  });
}

function matchesFilter(alert: Alert, regex: RegExp): boolean {
  return (
    regex.test(alert.citizen) ||
    regex.test(alert.droneId) ||
    regex.test(alert.lastDroneId) ||
    alert.words.some((word) => regex.test(word))
  );
}

/** How many citizens are muted at `now`. */
export function activeMutes(mutes: Readonly<Record<string, number>>, now: number): number {
  return Object.values(mutes).filter((until) => until > now).length;
}

/**
 * Understands what was typed in the input line: a filter regex, a reason, a
 * mute duration. Returns the error to show instead when it makes no sense.
 */
export function readPrompt(prompt: Prompt, now: number): Intent | { error: string } {
  const text = prompt.text.trim();
  switch (prompt.kind) {
    case "filter":
      if (text === "") return { kind: "filter", filter: null };
      try {
        return { kind: "filter", filter: { source: text, regex: new RegExp(text, "i") } };
      } catch (error) {
        return { error: `invalid filter: ${(error as Error).message}` };
      }
    case "ack":
    case "resolve":
      if (!prompt.target) return { error: "no alert selected" };
      if (text === "") return { error: `a reason is needed to ${prompt.kind} an alert` };
      return {
        kind: prompt.kind,
        alertId: prompt.target.alertId,
        citizen: prompt.target.citizen,
        reason: text,
      };
    case "mute": {
      if (!prompt.target) return { error: "no alert selected" };
      try {
        const ms = parseDuration(text, "mute duration");
        if (ms <= 0) return { error: "the mute duration must be more than zero" };
        return { kind: "mute", citizen: prompt.target.citizen, untilMs: now + ms, now };
      } catch (error) {
        if (error instanceof PwError) return { error: error.message };
        throw error;
      }
    }
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
