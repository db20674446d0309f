import type { Key } from "ink";
import { describe, expect, it } from "vitest";
import { consoleKeys } from "./console-keys.js";

const NO_KEY = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
} satisfies Key;

describe("consoleKeys", () => {
  it("splits a burst of characters into keys, Enter and Backspace included", () => {
    expect(consoleKeys("/bo\u007fb\r", NO_KEY)).toEqual([
      { char: "/" },
      { char: "b" },
      { char: "o" },
      { special: "backspace" },
      { char: "b" },
      { special: "return" },
    ]);
  });

  it("names the special keys ink recognised", () => {
    expect(consoleKeys("", { ...NO_KEY, downArrow: true })).toEqual([{ special: "down" }]);
    expect(consoleKeys("", { ...NO_KEY, escape: true, meta: true })).toEqual([
      { special: "escape" },
    ]);
    expect(consoleKeys("", { ...NO_KEY, delete: true })).toEqual([{ special: "backspace" }]);
  });

  it("ignores Ctrl chords and stray control characters", () => {
    expect(consoleKeys("u", { ...NO_KEY, ctrl: true })).toEqual([]);
    expect(consoleKeys("a\u0007b", NO_KEY)).toEqual([{ char: "a" }, { char: "b" }]);
  });

  it("keeps characters outside ASCII whole", () => {
    expect(consoleKeys("Zoë", NO_KEY)).toEqual([{ char: "Z" }, { char: "o" }, { char: "ë" }]);
  });
});
