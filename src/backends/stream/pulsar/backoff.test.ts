import { describe, expect, it } from "vitest";
import { backoffDelay } from "./backoff.js";

describe("backoffDelay", () => {
  const policy = { initialMs: 100, maxMs: 5_000 };

  it("doubles per attempt up to the ceiling", () => {
    const full = (attempt: number) => backoffDelay(policy, attempt, () => 1);
    expect([0, 1, 2, 3, 6, 7, 50].map(full)).toEqual([100, 200, 400, 800, 5_000, 5_000, 5_000]);
  });

  it("jitters between half and all of the delay", () => {
    expect(backoffDelay(policy, 2, () => 0)).toBe(200);
    expect(backoffDelay(policy, 2, () => 0.5)).toBe(300);
  });
});
