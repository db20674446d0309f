import { describe, expect, it } from "vitest";
import { isAcknowledged, parseCursorState } from "./cursor-state.js";

describe("cursor state", () => {
  // Acks of entries 1, 2, 5, 7, 8 of ledger 18, as the broker reported them.
  const cursor = parseCursorState({
    markDeletePosition: "18:-1",
    individuallyDeletedMessages: "[(18:0..18:2],(18:4..18:5],(18:6..18:8]]",
  });

  it("knows which entries are acknowledged", () => {
    const acked = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].filter((entryId) =>
      isAcknowledged(cursor, { ledgerId: 18, entryId }),
    );
    expect(acked).toEqual([1, 2, 5, 7, 8]);
  });

  it("counts everything up to the mark-delete position as acknowledged", () => {
    const state = parseCursorState({
      markDeletePosition: "20:4",
      individuallyDeletedMessages: "[]",
    });
    expect(isAcknowledged(state, { ledgerId: 19, entryId: 1000 })).toBe(true);
    expect(isAcknowledged(state, { ledgerId: 20, entryId: 4 })).toBe(true);
    expect(isAcknowledged(state, { ledgerId: 20, entryId: 5 })).toBe(false);
  });

  it("handles ranges that span ledgers", () => {
    const state = parseCursorState({
      markDeletePosition: "1:-1",
      individuallyDeletedMessages: "[(1:5..3:2]]",
    });
    expect(isAcknowledged(state, { ledgerId: 2, entryId: 100 })).toBe(true);
    expect(isAcknowledged(state, { ledgerId: 1, entryId: 5 })).toBe(false);
    expect(isAcknowledged(state, { ledgerId: 3, entryId: 3 })).toBe(false);
  });
});

describe("isAcknowledged over many ranges", () => {
  it("agrees with a linear scan", () => {
    const ranges = Array.from({ length: 500 }, (_, i) => `(7:${i * 4}..7:${i * 4 + 2}]`);
    const state = parseCursorState({
      markDeletePosition: "7:-1",
      individuallyDeletedMessages: `[${ranges.join(",")}]`,
    });
    for (let entryId = 0; entryId < 2_010; entryId++) {
      const expected = entryId < 2_000 && (entryId % 4 === 1 || entryId % 4 === 2);
      expect(isAcknowledged(state, { ledgerId: 7, entryId }), `entry ${entryId}`).toBe(expected);
    }
  });
});
