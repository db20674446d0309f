import { describe, expect, it } from "vitest";
import { planRequests, readBulkItems, serializeOperation } from "./bulk-body.js";

describe("bulk bodies", () => {
  it("serialises an operation as NDJSON: action line, then source unless a delete", () => {
    expect(serializeOperation({ action: "create", index: "i", id: "a", source: { x: 1 } })).toBe(
      '{"create":{"_index":"i","_id":"a"}}\n{"x":1}\n',
    );
    expect(
      serializeOperation({
        action: "index",
        index: "i",
        id: "a",
        source: {},
        ifSeqNo: 4,
        ifPrimaryTerm: 1,
      }),
    ).toBe('{"index":{"_index":"i","_id":"a","if_seq_no":4,"if_primary_term":1}}\n{}\n');
    expect(
      serializeOperation({ action: "index", index: "i", id: 'q"uote', sourceJson: '{"x":2}' }),
    ).toBe('{"index":{"_index":"i","_id":"q\\"uote"}}\n{"x":2}\n');
    expect(serializeOperation({ action: "delete", index: "i", id: "a:0" })).toBe(
      '{"delete":{"_index":"i","_id":"a:0"}}\n',
    );
  });

  it("cuts requests by size and by count, an oversized operation alone", () => {
    const lines = ["aaaa", "bb", "é".repeat(3), "c", "x".repeat(20), "d"];
    expect(planRequests(lines, [0, 1, 2, 3, 4, 5], 7, 10)).toEqual([[0, 1], [2, 3], [4], [5]]);
    expect(planRequests(lines, [0, 1, 3, 5], 100, 2)).toEqual([
      [0, 1],
      [3, 5],
    ]);
    expect(planRequests(lines, [], 100, 2)).toEqual([]);
  });

  it("reads one result per operation, in order, or nothing when the answer is short", () => {
    const body = {
      errors: true,
      items: [
        { create: { status: 201 } },
        {
          create: {
            status: 409,
            error: { type: "version_conflict_engine_exception", reason: "x" },
          },
        },
        { index: { status: 429, error: { type: "es_rejected_execution_exception" } } },
      ],
    };
    expect(readBulkItems(body, 3)).toEqual([
      { status: 201 },
      { status: 409, error: { type: "version_conflict_engine_exception", reason: "x" } },
      { status: 429, error: { type: "es_rejected_execution_exception" } },
    ]);
    expect(readBulkItems(body, 4)).toBeUndefined();
    expect(readBulkItems({}, 0)).toBeUndefined();
  });
});
