import { describe, expect, it } from "vitest";
import {
  comparePositions,
  decodeMessageId,
  encodeMessageId,
  parsePosition,
  positionBefore,
} from "./message-id.js";

describe("message ids", () => {
  it("decodes the ids the WebSocket API hands out", () => {
    // ledger 12, entry 0, batch_size 0, as seen from a Pulsar 3.0 broker
    expect(decodeMessageId("CAwQADAA")).toEqual({
      ledgerId: 12,
      entryId: 0,
      partition: -1,
      batchIndex: -1,
    });
    // the (-1:-1) placeholder of a deduplicated send
    const dropped = Buffer.from("08ffffffffffffffffff0110ffffffffffffffffff013000", "hex").toString(
      "base64",
    );
    expect(decodeMessageId(dropped)).toMatchObject({ ledgerId: -1, entryId: -1 });
  });

  it("round-trips positions, entry -1 and large ledger ids included", () => {
    for (const position of [
      { ledgerId: 0, entryId: 0 },
      { ledgerId: 62, entryId: -1 },
      { ledgerId: 123_456_789, entryId: 9_876_543_210 },
    ]) {
      expect(decodeMessageId(encodeMessageId(position))).toMatchObject(position);
    }
    expect(encodeMessageId({ ledgerId: 62, entryId: -1 })).toBe("CD4Q////////////AQ==");
  });

  it("reads partition and batch index, and skips a nested chunk id", () => {
    const bytes = Buffer.from([
      0x08, 0x05, 0x10, 0x07, 0x18, 0x02, 0x20, 0x03, 0x3a, 0x02, 0x08, 0x01,
    ]);
    expect(decodeMessageId(bytes.toString("base64"))).toEqual({
      ledgerId: 5,
      entryId: 7,
      partition: 2,
      batchIndex: 3,
    });
  });

  it("rejects what is not a message id", () => {
    expect(() => decodeMessageId("")).toThrow();
    expect(() => decodeMessageId(Buffer.from([0x08]).toString("base64"))).toThrow();
    expect(() => decodeMessageId(Buffer.from("hello").toString("base64"))).toThrow();
  });
});

describe("positions", () => {
  it("compare by ledger, then entry", () => {
    expect(comparePositions({ ledgerId: 1, entryId: 9 }, { ledgerId: 2, entryId: 0 })).toBeLessThan(
      0,
    );
    expect(
      comparePositions({ ledgerId: 2, entryId: 3 }, { ledgerId: 2, entryId: 1 }),
    ).toBeGreaterThan(0);
    expect(comparePositions({ ledgerId: 2, entryId: 1 }, { ledgerId: 2, entryId: 1 })).toBe(0);
  });

  it("parse the ledger:entry form", () => {
    expect(parsePosition("18:-1")).toEqual({ ledgerId: 18, entryId: -1 });
    expect(() => parsePosition("18")).toThrow();
  });

  it("step back one entry, at most to the start of the ledger", () => {
    expect(positionBefore({ ledgerId: 3, entryId: 5 })).toEqual({ ledgerId: 3, entryId: 4 });
    expect(positionBefore({ ledgerId: 3, entryId: 0 })).toEqual({ ledgerId: 3, entryId: -1 });
  });
});
