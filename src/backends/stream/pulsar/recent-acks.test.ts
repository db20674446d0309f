import { describe, expect, it } from "vitest";
import { RecentAcks } from "./recent-acks.js";

describe("RecentAcks", () => {
  it("groups recent acks of a topic by subscription and forgets old ones", () => {
    let now = 1_000;
    const acks = new RecentAcks(3_000, () => now);
    acks.record("t", "a", ["1", "2"]);
    acks.record("t", "b", ["3"]);
    acks.record("other", "a", ["4"]);
    now += 1_000;
    acks.record("t", "a", ["5"]);
    expect(acks.pending("t")).toEqual(
      new Map([
        ["a", ["1", "2", "5"]],
        ["b", ["3"]],
      ]),
    );
    now += 2_500; // the first three are older than 3 s now
    expect(acks.pending("t")).toEqual(new Map([["a", ["5"]]]));
    acks.forget("t", now);
    expect(acks.pending("t").size).toBe(0);
  });

  it("forgets only what was recorded up to the given time", () => {
    let now = 0;
    const acks = new RecentAcks(10_000, () => now);
    acks.record("t", "a", ["1"]);
    now = 5;
    acks.record("t", "a", ["2"]);
    acks.forget("t", 1);
    expect(acks.pending("t")).toEqual(new Map([["a", ["2"]]]));
  });
});
