import type { ServerError } from "./http.js";

/** One `_bulk` operation. `source` is the document (omitted for deletes). */
export interface BulkOperation {
  action: "create" | "index" | "delete";
  index: string;
  id: string;
  source?: unknown;
  /** The document already serialised as JSON, instead of `source`. */
  sourceJson?: string;
  /** Optimistic concurrency: only write over this exact version. */
  ifSeqNo?: number;
  ifPrimaryTerm?: number;
}

/** What OpenSearch answered for one operation. */
export interface BulkItemResult {
  status: number;
  error?: ServerError;
}

/** The `_bulk` response fields pw reads; `filter_path` keeps the answer that small. */
export const BULK_FILTER_PATH = "errors,items.*.status,items.*.error";

/**
 * The NDJSON lines (action line, then source line unless a delete) of one
 * operation. Written as a template rather than by stringifying a fresh object:
 * this runs for every document archived.
 */
export function serializeOperation(op: BulkOperation): string {
  let meta = `"_index":${JSON.stringify(op.index)},"_id":${JSON.stringify(op.id)}`;
  if (op.ifSeqNo !== undefined) meta += `,"if_seq_no":${op.ifSeqNo}`;
  if (op.ifPrimaryTerm !== undefined) meta += `,"if_primary_term":${op.ifPrimaryTerm}`;
  const action = `{"${op.action}":{${meta}}}\n`;
  if (op.action === "delete") return action;
  return `${action}${op.sourceJson ?? JSON.stringify(op.source)}\n`;
}

/**
 * Groups operations (by position) into requests of at most `maxBytes` of body
 * and `maxOperations` operations. An operation larger than `maxBytes` on its
 * own goes alone: OpenSearch's own limit (http.max_content_length) is far higher.
 * Sizes are counted in UTF-16 units, not measured in UTF-8: the same for ASCII,
 * at most 3 times more for other text, and far cheaper on the hot path; the
 * limit is a target of "a few MB", not a hard one.
 */
export function planRequests(
  lines: readonly string[],
  positions: readonly number[],
  maxBytes: number,
  maxOperations: number,
): number[][] {
  const requests: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (const position of positions) {
    const size = lines[position]!.length;
    if (current.length > 0 && (bytes + size > maxBytes || current.length >= maxOperations)) {
      requests.push(current);
      current = [];
      bytes = 0;
    }
    current.push(position);
    bytes += size;
  }
  if (current.length > 0) requests.push(current);
  return requests;
}

/** The per-operation results of a `_bulk` answer, in request order. */
export function readBulkItems(body: unknown, expected: number): BulkItemResult[] | undefined {
  const items = (body as { items?: Record<string, BulkItemResult>[] } | undefined)?.items;
  if (!Array.isArray(items) || items.length !== expected) return undefined;
  return items.map((item) => {
    const result = Object.values(item)[0];
    return result?.error === undefined
      ? { status: result?.status ?? 0 }
      : { status: result.status, error: result.error };
  });
}
