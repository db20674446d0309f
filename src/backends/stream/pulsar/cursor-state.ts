import { comparePositions, type Position, parsePosition } from "./message-id.js";

/**
 * What a subscription's cursor has acknowledged, from the admin API's internal
 * stats: everything up to `markDelete`, plus the open-closed ranges of
 * `individuallyDeletedMessages` such as `[(18:0..18:2],(18:4..18:5]]`.
 */
export interface CursorState {
  markDelete: Position;
  /** [exclusive lower, inclusive upper] bounds, in order. */
  deletedRanges: Array<[Position, Position]>;
}

/** The cursor fields of `GET .../internalStats` this driver reads. */
export interface InternalCursorStats {
  markDeletePosition: string;
  individuallyDeletedMessages?: string;
}

export function parseCursorState(cursor: InternalCursorStats): CursorState {
  const deletedRanges: Array<[Position, Position]> = [];
  const text = cursor.individuallyDeletedMessages ?? "[]";
  for (const match of text.matchAll(/\((-?\d+:-?\d+)\.\.(-?\d+:-?\d+)\]/g)) {
    deletedRanges.push([parsePosition(match[1] as string), parsePosition(match[2] as string)]);
  }
  return { markDelete: parsePosition(cursor.markDeletePosition), deletedRanges };
}

/** True when the cursor no longer holds `position` for redelivery. */
export function isAcknowledged(cursor: CursorState, position: Position): boolean {
  if (comparePositions(position, cursor.markDelete) <= 0) return true;
  // The ranges are ordered and disjoint: binary search for the first one ending at or after it.
  const ranges = cursor.deletedRanges;
  let low = 0;
  let high = ranges.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (comparePositions((ranges[mid] as [Position, Position])[1], position) < 0) low = mid + 1;
    else high = mid;
  }
  const range = ranges[low];
  return range !== undefined && comparePositions(position, range[0]) > 0;
}
