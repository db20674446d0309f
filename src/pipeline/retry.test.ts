import { describe, expect, it } from "vitest";
import { BackendError, UsageError } from "../domain/errors.js";
import { retryRetriable } from "./retry.js";

/** An operation failing with `failures` in turn, then answering "ok". */
function failing(failures: Error[]) {
  let calls = 0;
  const operation = async () => {
    const failure = failures[calls++];
    if (failure) throw failure;
    return "ok";
  };
  return { operation, calls: () => calls };
}

const noSleep = async () => undefined;
const down = () => new BackendError("store unreachable", { retriable: true });

describe("retryRetriable", () => {
  it("retries retriable failures with doubling, capped waits until the operation succeeds", async () => {
    const { operation, calls } = failing([down(), down(), down(), down(), down()]);
    const waits: number[] = [];
    const result = await retryRetriable(operation, {
      initialMs: 100,
      maxMs: 500,
      random: () => 1,
      sleep: noSleep,
      onRetry: (_error, delayMs) => waits.push(delayMs),
    });
    expect(result).toBe("ok");
    expect(calls()).toBe(6);
    expect(waits).toEqual([100, 200, 400, 500, 500]);
  });

  it("throws a failure that is not retriable at once", async () => {
    const { operation, calls } = failing([down(), new UsageError("bad flag")]);
    await expect(retryRetriable(operation, { sleep: noSleep })).rejects.toThrow("bad flag");
    expect(calls()).toBe(2);
  });

  it("throws an error that is not a PwError (a defect) at once", async () => {
    const { operation, calls } = failing([new TypeError("oops")]);
    await expect(retryRetriable(operation, { sleep: noSleep })).rejects.toThrow("oops");
    expect(calls()).toBe(1);
  });

  it("gives up with the last failure once the next try would come too late", async () => {
    let clock = 0;
    const { operation, calls } = failing([down(), down(), down(), down()]);
    const result = retryRetriable(operation, {
      initialMs: 100,
      random: () => 1,
      giveUpAfterMs: 350,
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
    });
    await expect(result).rejects.toThrow("store unreachable");
    // Waits of 100 and 200 ms fit in 350 ms; a third of 400 ms would not.
    expect(calls()).toBe(3);
  });

  it("stops retrying once aborted, even during a wait", async () => {
    const stop = new AbortController();
    const { operation, calls } = failing([down(), down(), down()]);
    const result = retryRetriable(operation, { signal: stop.signal, initialMs: 60_000 });
    setTimeout(() => stop.abort(), 20);
    await expect(result).rejects.toThrow("store unreachable");
    expect(calls()).toBe(1);
  });
});
