import { render } from "ink";
import type { Store } from "../backends/store/types.js";
import type { Stream } from "../backends/stream/types.js";
import type { AlertActions } from "./alert-actions.js";
import { AlertFeed } from "./alert-feed.js";
import { AlertWatchApp } from "./alert-watch-app.js";
import { ENTER_ALTERNATE_SCREEN, LEAVE_ALTERNATE_SCREEN } from "./terminal.js";

export interface AlertWatchOptions {
  stream: Stream;
  store: Store;
  actions?: AlertActions;
  readonly: boolean;
  /** Ends the console as `q` does (SIGTERM, SIGINT sent from elsewhere). */
  signal?: AbortSignal;
}

/** What the console saw, reported when it closes. */
export interface AlertWatchSummary {
  events: number;
}

/**
 * Runs the live alert console on the terminal until the operator quits or the
 * signal fires, on the alternate screen so the terminal is left as it was.
 * Resolves once the feed has stopped touching the backends.
 */
export async function runAlertWatch(options: AlertWatchOptions): Promise<AlertWatchSummary> {
  const feed = new AlertFeed({ stream: options.stream, store: options.store });
  feed.start();
  process.stdout.write(ENTER_ALTERNATE_SCREEN);
  try {
    const app = render(
      <AlertWatchApp
        feed={feed}
        {...(options.actions && { actions: options.actions })}
        readonly={options.readonly}
      />,
      { exitOnCtrlC: true },
    );
    const unmount = () => app.unmount();
    options.signal?.addEventListener("abort", unmount, { once: true });
    try {
      await app.waitUntilExit();
    } finally {
      options.signal?.removeEventListener("abort", unmount);
    }
  } finally {
    process.stdout.write(LEAVE_ALTERNATE_SCREEN);
    await feed.stop();
  }
  return { events: feed.getSnapshot().stats.eventsReceived };
}
