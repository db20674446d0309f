import { useApp } from "ink";
import type { AlertActions } from "./alert-actions.js";
import { AlertConsole } from "./alert-console.js";
import type { AlertFeed } from "./alert-feed.js";
import { useAlertFeed, useNow, useTerminalSize } from "./hooks.js";

export interface AlertWatchAppProps {
  feed: AlertFeed;
  actions?: AlertActions;
  readonly: boolean;
}

/** `pw alerts --watch` on a terminal: the console fed live, sized to the terminal. */
export function AlertWatchApp({ feed, actions, readonly }: AlertWatchAppProps) {
  const { exit } = useApp();
  const snapshot = useAlertFeed(feed);
  const size = useTerminalSize();
  const now = useNow();
  return (
    <AlertConsole
      alerts={snapshot.alerts}
      stats={snapshot.stats}
      connection={snapshot.connection}
      {...(actions && { actions })}
      readonly={readonly}
      now={now}
      size={size}
      onQuit={() => exit()}
    />
  );
}
