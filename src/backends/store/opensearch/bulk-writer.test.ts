import { describe, expect, it } from "vitest";
import { BackendError } from "../../../domain/errors.js";
import { serializeOperation } from "./bulk-body.js";
import { BulkWriter, type SendBulk } from "./bulk-writer.js";
import { DEFAULT_BULK_TUNING } from "./config.js";
import { RequestSlots } from "./request-slots.js";

const lines = ["a", "b", "c", "d"].map((id) =>
  serializeOperation({ action: "create", index: "i", id, source: { id } }),
);
const idsOf = (ndjson: string) =>
  ndjson
    .trim()
    .split("\n")
    .filter((_, i) => i % 2 === 0)
    .map((l) => (JSON.parse(l) as { create: { _id: string } }).create._id);

function writer(send: SendBulk, overrides: Partial<typeof DEFAULT_BULK_TUNING> = {}) {
  const sleeps: number[] = [];
  const bulk = new BulkWriter({
    send,
    tuning: { ...DEFAULT_BULK_TUNING, maxAttempts: 3, backoffMs: 100, ...overrides },
    slots: new RequestSlots(2),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 1,
  });
  return { bulk, sleeps };
}

describe("BulkWriter", () => {
  it("retries only the items refused retriably, with growing backoff", async () => {
    const sent: string[][] = [];
    const { bulk, sleeps } = writer(async (ndjson) => {
      const ids = idsOf(ndjson);
      sent.push(ids);
      const round = sent.length;
      return {
        items: ids.map((id) => {
          if (id === "b" && round < 3)
            return { create: { status: 429, error: { type: "es_rejected_execution_exception" } } };
          if (id === "c" && round < 2)
            return { create: { status: 503, error: { type: "unavailable_shards_exception" } } };
          if (id === "d")
            return {
              create: { status: 400, error: { type: "mapper_parsing_exception", reason: "bad" } },
            };
          return { create: { status: 201 } };
        }),
      };
    });
    const results = await bulk.write(lines, "testing");
    expect(sent).toEqual([["a", "b", "c", "d"], ["b", "c"], ["b"]]);
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 400]);
    expect(results[3]?.error?.reason).toBe("bad");
    expect(sleeps).toEqual([100, 200]);
  });

  it("retries a whole request that failed retriably (network, 429, 5xx)", async () => {
    let calls = 0;
    const { bulk } = writer(async (ndjson) => {
      calls++;
      if (calls === 1) throw new BackendError("connection reset", { retriable: true });
      return { items: idsOf(ndjson).map(() => ({ create: { status: 201 } })) };
    });
    expect((await bulk.write(lines, "testing")).every((r) => r.status === 201)).toBe(true);
    expect(calls).toBe(2);
  });

  it("gives up after maxAttempts with a retriable error naming the last reason", async () => {
    const { bulk } = writer(async (ndjson) => ({
      items: idsOf(ndjson).map(() => ({
        create: {
          status: 429,
          error: { type: "es_rejected_execution_exception", reason: "queue full" },
        },
      })),
    }));
    const error = await bulk.write(lines, "testing").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ retriable: true });
    expect((error as Error).message).toMatch(/4 of 4 operations.*3 attempts.*queue full/);
  });

  it("throws a non-retriable failure of a request once every request has settled", async () => {
    let inFlight = 0;
    let settledAfterThrow = false;
    const { bulk } = writer(
      async (ndjson) => {
        inFlight++;
        const ids = idsOf(ndjson);
        if (ids[0] === "a") {
          inFlight--;
          throw new BackendError("HTTP 401", { retriable: false });
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
        inFlight--;
        settledAfterThrow = true;
        return { items: ids.map(() => ({ create: { status: 201 } })) };
      },
      { maxOperations: 2 },
    );
    await expect(bulk.write(lines, "testing")).rejects.toThrow("HTTP 401");
    expect(settledAfterThrow).toBe(true);
    expect(inFlight).toBe(0);
  });

  it("caps the backoff and keeps jitter within half to full delay", () => {
    const bulk = new BulkWriter({
      send: async () => ({}),
      tuning: { ...DEFAULT_BULK_TUNING, backoffMs: 100, maxBackoffMs: 1000 },
      slots: new RequestSlots(1),
      random: () => 0,
    });
    expect([1, 2, 3, 4, 5, 10].map((a) => bulk.backoff(a))).toEqual([50, 100, 200, 400, 500, 500]);
  });
});
