import { useStdout } from "ink";
import { useEffect, useState, useSyncExternalStore } from "react";
import type { AlertFeed, AlertFeedSnapshot } from "./alert-feed.js";
import type { TerminalSize } from "./console-layout.js";

/** The terminal's size, updated when it is resized (80×24 when unknown). */
export function useTerminalSize(): TerminalSize {
  const { stdout } = useStdout();
  const read = (): TerminalSize => ({ rows: stdout.rows || 24, columns: stdout.columns || 80 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize({ rows: stdout.rows || 24, columns: stdout.columns || 80 });
    stdout.on("resize", onResize);
    return () => {
      stdout.off("resize", onResize);
    };
  }, [stdout]);
  return size;
}

/** The current time, ticking every `intervalMs`. */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/** The feed's latest snapshot; re-renders when it changes. */
export function useAlertFeed(feed: AlertFeed): AlertFeedSnapshot {
  return useSyncExternalStore(feed.subscribe, feed.getSnapshot);
}
