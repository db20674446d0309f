import { BackendError, PwError } from "../../../domain/errors.js";
import { BULK_FILTER_PATH, type BulkItemResult, planRequests, readBulkItems } from "./bulk-body.js";
import type { BulkTuning } from "./config.js";
import { describeServerError, isRetriableStatus, type OpenSearchHttp } from "./http.js";
import type { RequestSlots } from "./request-slots.js";

/** Sends one `_bulk` NDJSON body and resolves to its (unfiltered by status) answer. */
export type SendBulk = (ndjson: string) => Promise<unknown>;

export interface BulkWriterDependencies {
  send: SendBulk;
  tuning: BulkTuning;
  slots: RequestSlots;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/**
 * Writes operations with `_bulk`: cut into requests by size and count, sent
 * with bounded concurrency, and every item's answer read. Items (or whole
 * requests) failing retriably (429, 5xx, network) are sent again with
 * exponential backoff; after `maxAttempts` a retriable BackendError is thrown,
 * so the caller does not ack. Every other answer, success or not, is returned
 * per operation, in order, for the caller to interpret.
 */
export class BulkWriter {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly deps: BulkWriterDependencies) {
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = deps.random ?? Math.random;
  }

  /** Writes operations given as their NDJSON lines (see `serializeOperation`). */
  async write(lines: readonly string[], what: string): Promise<BulkItemResult[]> {
    const { tuning } = this.deps;
    const results: BulkItemResult[] = new Array(lines.length);
    let pending = lines.map((_, position) => position);
    for (let attempt = 1; pending.length > 0; attempt++) {
      const requests = planRequests(lines, pending, tuning.maxBytes, tuning.maxOperations);
      const answers = await Promise.allSettled(requests.map((r) => this.send(lines, r, what)));
      const retry: number[] = [];
      let lastReason = "";
      let fatal: unknown;
      answers.forEach((answer, i) => {
        const request = requests[i]!;
        if (answer.status === "rejected") {
          if (answer.reason instanceof PwError && answer.reason.retriable) {
            retry.push(...request);
            lastReason = answer.reason.message;
          } else {
            fatal ??= answer.reason;
          }
          return;
        }
        answer.value.forEach((item, j) => {
          const position = request[j]!;
          if (isRetriableStatus(item.status)) {
            retry.push(position);
            lastReason = `HTTP ${item.status}: ${describeServerError(item.error)}`;
          } else {
            results[position] = item;
          }
        });
      });
      // Only after every request has settled, so nothing is still in flight.
      if (fatal !== undefined) throw fatal;
      if (retry.length > 0 && attempt >= tuning.maxAttempts) {
        throw new BackendError(
          `OpenSearch kept refusing ${retry.length} of ${lines.length} operations while ${what} after ${attempt} attempts (last: ${lastReason}); try again later`,
          { retriable: true },
        );
      }
      if (retry.length > 0) await this.sleep(this.backoff(attempt));
      pending = retry.sort((a, b) => a - b);
    }
    return results;
  }

  /** Exponential, capped, with jitter so that many writers do not retry in step. */
  backoff(attempt: number): number {
    const { backoffMs, maxBackoffMs } = this.deps.tuning;
    const base = Math.min(maxBackoffMs, backoffMs * 2 ** (attempt - 1));
    return Math.round(base * (0.5 + this.random() / 2));
  }

  private send(
    lines: readonly string[],
    request: readonly number[],
    what: string,
  ): Promise<BulkItemResult[]> {
    return this.deps.slots.run(async () => {
      const body = await this.deps.send(request.map((position) => lines[position]).join(""));
      const items = readBulkItems(body, request.length);
      if (!items) {
        throw new BackendError(
          `OpenSearch answered a bulk request while ${what} without one result per operation`,
        );
      }
      return items;
    });
  }
}

/** Sends `_bulk` bodies through pw's HTTP layer; client-level retries are off, BulkWriter owns them. */
export function sendBulkWith(http: OpenSearchHttp): SendBulk {
  return async (ndjson) => {
    const response = await http.request(
      {
        method: "POST",
        path: "/_bulk",
        query: { filter_path: BULK_FILTER_PATH },
        ndjson,
        maxRetries: 0,
      },
      "writing a bulk request",
    );
    return response.body;
  };
}
