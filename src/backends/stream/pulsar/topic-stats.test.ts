import { describe, expect, it } from "vitest";
import { toTopicStats } from "./topic-stats.js";

describe("toTopicStats", () => {
  it("treats a topic that does not exist as empty", () => {
    expect(toTopicStats("t", undefined, undefined)).toEqual({
      topic: "t",
      published: 0,
      subscriptions: [],
    });
  });

  it("counts entries, preferring the larger of the loaded and retained counts", () => {
    const internal = { entriesAddedCounter: 7, numberOfEntries: 12, cursors: {} };
    expect(toTopicStats("t", { msgInCounter: 99, subscriptions: {} }, internal).published).toBe(12);
    expect(
      toTopicStats("t", undefined, { ...internal, entriesAddedCounter: 20, numberOfEntries: 3 })
        .published,
    ).toBe(20);
  });

  it("lists durable subscriptions by name with backlog, type and consumers", () => {
    const stats = toTopicStats(
      "t",
      {
        msgInCounter: 0,
        subscriptions: {
          zeta: { msgBacklog: 3, type: "Key_Shared", consumers: [{}, {}] },
          "reader-abc": { msgBacklog: 0, type: "Exclusive", consumers: [{}], isDurable: false },
          alpha: { msgBacklog: 0, type: "None", consumers: [] },
          failover: { msgBacklog: 1, type: "Exclusive" },
        },
      },
      undefined,
      new Map([["alpha", "Failover" as const]]),
    );
    expect(stats.subscriptions).toEqual([
      { name: "alpha", type: "Failover", backlog: 0, consumers: 0 },
      { name: "failover", type: "Failover", backlog: 1, consumers: 0 },
      { name: "zeta", type: "Key_Shared", backlog: 3, consumers: 2 },
    ]);
  });
});
