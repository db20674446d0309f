import { describe, expect, it } from "vitest";
import { pushSample, ratePerSecond } from "./feed-stats.js";

describe("ratePerSecond", () => {
  it("is null until there are two samples", () => {
    expect(ratePerSecond([], 0)).toBeNull();
    expect(ratePerSecond([{ at: 0, value: 5 }], 0)).toBeNull();
  });

  it("with no window, is the change between the last two samples", () => {
    const samples = [
      { at: 0, value: 0 },
      { at: 1000, value: 100 },
      { at: 3000, value: 500 },
    ];
    expect(ratePerSecond(samples, 0)).toBe(200);
  });

  it("over a window, uses the oldest sample inside it", () => {
    const samples = [
      { at: 0, value: 0 },
      { at: 30_000, value: 30 },
      { at: 60_000, value: 120 },
      { at: 70_000, value: 130 },
    ];
    expect(ratePerSecond(samples, 60_000)).toBeCloseTo(100 / 40, 6);
  });

  it("counts from zero when the counter went down (a reset backend)", () => {
    expect(
      ratePerSecond(
        [
          { at: 0, value: 1000 },
          { at: 1000, value: 10 },
        ],
        0,
      ),
    ).toBe(10);
  });
});

describe("pushSample", () => {
  it("drops samples older than the window but keeps the one before it", () => {
    let samples = pushSample([], { at: 0, value: 0 }, 1000);
    samples = pushSample(samples, { at: 500, value: 1 }, 1000);
    samples = pushSample(samples, { at: 5000, value: 2 }, 1000);
    expect(samples.map((s) => s.at)).toEqual([500, 5000]);
  });
});
