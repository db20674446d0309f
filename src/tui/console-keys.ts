import type { Key } from "ink";

/** A key as the console understands it: a character, or one of the keys it uses. */
export type ConsoleKey =
  | { char: string }
  | {
      special:
        | "up"
        | "down"
        | "pageUp"
        | "pageDown"
        | "home"
        | "end"
        | "return"
        | "escape"
        | "backspace";
    };

/**
 * Turns one read from the terminal into keys. A read can hold several keys
 * (fast typing, a paste, tmux send-keys): each character becomes its own key,
 * so "/bob⏎" filters just as typing it slowly does.
 */
export function consoleKeys(input: string, key: Key): ConsoleKey[] {
  if (key.upArrow) return [{ special: "up" }];
  if (key.downArrow) return [{ special: "down" }];
  if (key.pageUp) return [{ special: "pageUp" }];
  if (key.pageDown) return [{ special: "pageDown" }];
  if (key.home) return [{ special: "home" }];
  if (key.end) return [{ special: "end" }];
  if (key.return) return [{ special: "return" }];
  if (key.escape) return [{ special: "escape" }];
  if (key.backspace || key.delete) return [{ special: "backspace" }];
  // Ctrl and Alt chords are not the console's keys (Ctrl-C is ink's own).
  if (key.ctrl || key.meta) return [];
  return [...input].flatMap((char): ConsoleKey[] => {
    if (char === "\r" || char === "\n") return [{ special: "return" }];
    if (char === "\u007f" || char === "\b") return [{ special: "backspace" }];
    // Other control characters in a pasted chunk are noise, not text.
    if (char < " ") return [];
    return [{ char }];
  });
}
