import { describe, expect, it } from "vitest";
import { isInteractiveTerminal } from "./terminal.js";

describe("isInteractiveTerminal", () => {
  const tty = { isTTY: true };
  it("needs both ends to be a terminal", () => {
    expect(isInteractiveTerminal(tty, tty, {})).toBe(true);
    expect(isInteractiveTerminal(tty, {}, {})).toBe(false);
    expect(isInteractiveTerminal({}, tty, {})).toBe(false);
  });

  it("is off in CI unless CI is set to a false value", () => {
    expect(isInteractiveTerminal(tty, tty, { CI: "true" })).toBe(false);
    expect(isInteractiveTerminal(tty, tty, { CI: "1" })).toBe(false);
    expect(isInteractiveTerminal(tty, tty, { CI: "false" })).toBe(true);
    expect(isInteractiveTerminal(tty, tty, { CI: "0" })).toBe(true);
  });
});
