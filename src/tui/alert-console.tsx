import { Box, type Key, useInput } from "ink";
import { useMemo, useRef } from "react";
import type { Alert } from "../domain/alert.js";
import type { AlertActions } from "./alert-actions.js";
import { AlertDetail } from "./components/alert-detail.js";
import { AlertTable } from "./components/alert-table.js";
import { ConsoleHeader } from "./components/console-header.js";
import { InputLine } from "./components/input-line.js";
import { type KeyAvailability, KeyHelpLine, KeyHelpPanel } from "./components/key-help.js";
import { type ConsoleKey, consoleKeys } from "./console-keys.js";
import { consoleLayout, pageStart, type TerminalSize } from "./console-layout.js";
import {
  activeMutes,
  type ConsoleAction,
  type ConsoleState,
  consoleReducer,
  INITIAL_CONSOLE_STATE,
  type Intent,
  type Prompt,
  readPrompt,
  selectedIndex,
  visibleAlerts,
} from "./console-state.js";
import type { ConnectionState, FeedStats } from "./feed-stats.js";
import { useLatestReducer } from "./use-latest-reducer.js";

export interface AlertConsoleProps {
  /** Alerts most recently active first, as the feed holds them. */
  alerts: readonly Alert[];
  stats: FeedStats;
  connection: ConnectionState;
  /** The store's alert lifecycle; without it the console is read-only (no ack/resolve). */
  actions?: AlertActions;
  /** --readonly: no ack, resolve or mute even when actions exist. */
  readonly: boolean;
  /** Epoch ms: for mute expiry and "5m ago". */
  now: number;
  size: TerminalSize;
  onQuit: () => void;
}

/**
 * The live alert console: a header with the feed's numbers, the alert list
 * (only the visible window is rendered, so thousands of alerts cost nothing),
 * the selected alert's details, an input line and a key reminder. A pure
 * component: everything it shows comes from its props and its reducer state.
 */
export function AlertConsole(props: AlertConsoleProps) {
  const { stats, connection, now, size } = props;
  const [state, send, latestState] = useLatestReducer(consoleReducer, INITIAL_CONSOLE_STATE);
  const keys = keyAvailability(props.readonly, props.actions);
  const layout = consoleLayout(size);

  const shown = state.paused?.alerts ?? props.alerts;
  const visible = useMemo(
    () => visibleAlerts(shown, state.filter, state.mutes, now),
    [shown, state.filter, state.mutes, now],
  );
  const index = selectedIndex(state.selectedId, visible);
  const selected = visible[index];
  const top = pageStart(index, layout.listRows);

  const context = useRef<KeyContext>({ props, keys, listRows: layout.listRows });
  context.current = { props, keys, listRows: layout.listRows };
  useInput((input, key) => handleInput(context.current, latestState, send, input, key));

  const detailPane = state.showHelp ? (
    <KeyHelpPanel keys={keys} width={layout.detailWidth} height={layout.detailHeight} />
  ) : (
    <AlertDetail
      alert={selected}
      now={now}
      width={layout.detailWidth}
      height={layout.detailHeight}
    />
  );
  const table = (
    <AlertTable
      rows={visible.slice(top, top + layout.listRows)}
      selectedId={selected?.alertId}
      height={layout.listRows}
      emptyText={emptyText(shown.length, state)}
    />
  );

  return (
    <Box flexDirection="column" height={layout.height} width={size.columns}>
      <ConsoleHeader
        stats={stats}
        connection={connection}
        readOnlyReason={keys.readOnlyReason}
        pendingWhilePaused={
          state.paused ? Math.max(0, stats.eventsReceived - state.paused.eventsAtPause) : null
        }
        shown={visible.length}
        total={shown.length}
        filterSource={state.filter?.source ?? null}
        mutedCitizens={activeMutes(state.mutes, now)}
      />
      {layout.detailBeside ? (
        <Box flexDirection="row">
          <Box flexDirection="column" flexGrow={1} flexShrink={1} marginRight={1}>
            {table}
          </Box>
          {detailPane}
        </Box>
      ) : (
        <>
          {table}
          {detailPane}
        </>
      )}
      <InputLine prompt={state.prompt} notice={state.notice} />
      <KeyHelpLine keys={keys} />
    </Box>
  );
}

function keyAvailability(readonly: boolean, actions: AlertActions | undefined): KeyAvailability {
  if (readonly) {
    return {
      lifecycle: false,
      mute: false,
      readOnlyReason: "read-only (--readonly): a, r and m are off",
    };
  }
  if (!actions) {
    return {
      lifecycle: false,
      mute: true,
      readOnlyReason: "read-only: this store cannot ack or resolve alerts yet, a and r are off",
    };
  }
  return { lifecycle: true, mute: true, readOnlyReason: null };
}

function emptyText(total: number, state: ConsoleState): string {
  if (total === 0) return "no alerts yet: waiting for the alert consumer (pw run or pw alerts)";
  if (state.filter) return `no alert matches /${state.filter.source}/ (Esc clears the filter)`;
  return "every alert is muted";
}

/** What key handling needs from the latest render. */
interface KeyContext {
  props: AlertConsoleProps;
  keys: KeyAvailability;
  listRows: number;
}

/** The console as one key finds it: its state and the alerts it lists. */
interface KeyScene extends KeyContext {
  state: ConsoleState;
  visible: readonly Alert[];
  selected: Alert | undefined;
}

/**
 * Handles one read from the terminal. A read can hold several keys, and reads
 * can come faster than renders: each key sees the state the previous one left
 * (the reducer's latest state, not the last render's), so a fast "/bob⏎"
 * opens the filter, types into it and applies it.
 */
function handleInput(
  context: KeyContext,
  latest: { readonly current: ConsoleState },
  send: (action: ConsoleAction) => void,
  input: string,
  key: Key,
): void {
  for (const consoleKey of consoleKeys(input, key)) {
    const state = latest.current;
    const { props } = context;
    const visible = visibleAlerts(
      state.paused?.alerts ?? props.alerts,
      state.filter,
      state.mutes,
      props.now,
    );
    const selected = visible[selectedIndex(state.selectedId, visible)];
    const scene: KeyScene = { ...context, state, visible, selected };
    if (state.prompt) handlePromptKey(scene, state.prompt, send, consoleKey);
    else handleBrowseKey(scene, send, consoleKey);
  }
}

function handleBrowseKey(
  context: KeyScene,
  send: (action: ConsoleAction) => void,
  key: ConsoleKey,
): void {
  const { props, state, visible, selected, keys, listRows } = context;
  const move = (by: number | "top" | "bottom") => send({ type: "move", by, visible });
  const input = "char" in key ? key.char : "";
  const special = "special" in key ? key.special : undefined;
  if (special === "down" || input === "j") move(1);
  else if (special === "up" || input === "k") move(-1);
  else if (special === "pageDown") move(listRows);
  else if (special === "pageUp") move(-listRows);
  else if (special === "home" || input === "g") move("top");
  else if (special === "end" || input === "G") move("bottom");
  else if (special === "escape")
    send(state.showHelp ? { type: "toggleHelp" } : { type: "clearFilter" });
  else if (input === "q") props.onQuit();
  else if (input === "?") send({ type: "toggleHelp" });
  else if (input === "/") send({ type: "openPrompt", kind: "filter" });
  else if (input === "p") {
    send({ type: "togglePause", alerts: props.alerts, eventsReceived: props.stats.eventsReceived });
  } else if (input === "a" || input === "r" || input === "m") {
    const allowed = input === "m" ? keys.mute : keys.lifecycle;
    if (!allowed) {
      send({
        type: "notice",
        notice: { tone: "error", text: `${input} is off: ${keys.readOnlyReason}` },
      });
    } else if (!selected) {
      send({ type: "notice", notice: { tone: "error", text: "no alert selected" } });
    } else {
      const kind = input === "a" ? "ack" : input === "r" ? "resolve" : "mute";
      send({ type: "openPrompt", kind, target: selected });
    }
  }
}

function handlePromptKey(
  context: KeyScene,
  prompt: Prompt,
  send: (action: ConsoleAction) => void,
  key: ConsoleKey,
): void {
  if ("char" in key) send({ type: "typeInPrompt", text: key.char });
  else if (key.special === "escape") send({ type: "cancelPrompt" });
  else if (key.special === "backspace") send({ type: "eraseInPrompt" });
  else if (key.special === "return") {
    const outcome = readPrompt(prompt, context.props.now);
    if ("error" in outcome) {
      send({ type: "notice", notice: { tone: "error", text: outcome.error } });
      return;
    }
    send({ type: "submitted", intent: outcome });
    if (context.props.actions) runAction(context.props.actions, outcome, send);
  }
}

/** Calls the store for what the operator asked, then says how it went. */
function runAction(
  actions: AlertActions,
  intent: Intent,
  dispatch: (action: ConsoleAction) => void,
): void {
  let call: Promise<void>;
  let done: string;
  switch (intent.kind) {
    case "filter":
      return;
    case "ack":
      call = actions.ack(intent.alertId, intent.reason);
      done = `acked ${intent.citizen}'s alert`;
      break;
    case "resolve":
      call = actions.resolve(intent.alertId, intent.reason);
      done = `resolved ${intent.citizen}'s alert`;
      break;
    case "mute":
      call = actions.mute ? actions.mute(intent.citizen, intent.untilMs) : Promise.resolve();
      done = `muted ${intent.citizen} until ${new Date(intent.untilMs).toISOString()}${actions.mute ? "" : " in this console"}`;
      break;
  }
  call.then(
    () => dispatch({ type: "notice", notice: { tone: "info", text: done } }),
    (error: unknown) =>
      dispatch({
        type: "notice",
        notice: {
          tone: "error",
          text: `${intent.kind} failed: ${error instanceof Error ? error.message : String(error)}${intent.kind === "mute" ? " (muted in this console only)" : ""}`,
        },
      }),
  );
}
