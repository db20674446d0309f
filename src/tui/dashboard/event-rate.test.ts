import { describe, expect, it } from "vitest";
import { EventRateSeries } from "./event-rate.js";

describe("EventRateSeries", () => {
  it("counts events per interval and keeps the last `length` intervals", () => {
    const series = new EventRateSeries(3);
    series.count(2);
    series.count(3);
    expect(series.tick()).toEqual([5]);
    expect(series.tick()).toEqual([5, 0]);
    series.count(1);
    series.tick();
    series.count(4);
    expect(series.tick()).toEqual([0, 1, 4]);
  });
});
