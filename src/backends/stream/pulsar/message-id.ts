/**
 * Pulsar message ids as the WebSocket API carries them: base64 of the protobuf
 * `MessageIdData` (ledgerId = 1, entryId = 2, partition = 3, batch_index = 4, ...).
 * pw treats ids as opaque strings; the driver decodes them only to compare a
 * position with a cursor (ack confirmation) and encodes them to start a reader at
 * a position found through the admin API.
 */

/** A position in a topic's managed ledger. Unbatched messages have one entry each. */
export interface Position {
  ledgerId: number;
  entryId: number;
}

export interface DecodedMessageId extends Position {
  partition: number;
  batchIndex: number;
}

/** Decodes a base64 `MessageIdData`; throws on bytes that are not one. */
export function decodeMessageId(base64: string): DecodedMessageId {
  const bytes = Buffer.from(base64, "base64");
  const id: DecodedMessageId = {
    ledgerId: Number.NaN,
    entryId: Number.NaN,
    partition: -1,
    batchIndex: -1,
  };
  let at = 0;
  const varint = (): bigint => {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const byte = bytes[at++];
      if (byte === undefined) throw new Error("truncated varint");
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value;
    }
    throw new Error("varint too long");
  };
  while (at < bytes.length) {
    const tag = Number(varint());
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (wireType === 0) {
      const value = Number(BigInt.asIntN(64, varint()));
      if (field === 1) id.ledgerId = value;
      else if (field === 2) id.entryId = value;
      else if (field === 3) id.partition = value;
      else if (field === 4) id.batchIndex = value;
    } else if (wireType === 2) {
      const length = Number(varint()); // read before `at` moves: nested first_chunk_message_id
      at += length;
    } else {
      throw new Error(`unexpected wire type ${wireType}`);
    }
  }
  if (at !== bytes.length || Number.isNaN(id.ledgerId) || Number.isNaN(id.entryId)) {
    throw new Error("not a Pulsar message id");
  }
  return id;
}

/** Encodes a position as a base64 `MessageIdData`, the form the WebSocket reader accepts. */
export function encodeMessageId(position: Position): string {
  const bytes: number[] = [];
  const varint = (value: number) => {
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    bytes.push(Number(v));
  };
  bytes.push(0x08); // field 1, varint
  varint(position.ledgerId);
  bytes.push(0x10); // field 2, varint
  varint(position.entryId);
  return Buffer.from(bytes).toString("base64");
}

/** Negative, zero or positive as `a` is before, at or after `b`. */
export function comparePositions(a: Position, b: Position): number {
  return a.ledgerId - b.ledgerId || a.entryId - b.entryId;
}

/** Parses the `ledger:entry` form of the admin API's internal stats. */
export function parsePosition(text: string): Position {
  const match = /^(-?\d+):(-?\d+)$/.exec(text.trim());
  if (!match) throw new Error(`not a position: ${text}`);
  return { ledgerId: Number(match[1]), entryId: Number(match[2]) };
}

/**
 * The position just before `position`, so that an exclusive start there delivers
 * `position` itself. Entry -1 of a ledger is the managed ledger's "before the
 * first entry of this ledger".
 */
export function positionBefore(position: Position): Position {
  return { ledgerId: position.ledgerId, entryId: Math.max(-1, position.entryId - 1) };
}
