import { describe, expect, it } from "vitest";
import type { OutgoingMessage, Producer } from "../../backends/stream/types.js";
import { BackendError } from "../../domain/errors.js";
import { StreamHealth, StreamPublisher, StreamRefusalError } from "./publisher.js";

/** A producer whose sendBatch calls the test settles by hand. */
function manualProducer() {
  const calls: {
    messages: readonly OutgoingMessage[];
    ok: () => void;
    fail: (e: Error) => void;
  }[] = [];
  const producer: Producer = {
    topic: "reports",
    send: () => Promise.reject(new Error("unused")),
    sendBatch: (messages) =>
      new Promise((resolve, reject) => {
        calls.push({ messages, ok: () => resolve(messages.map(String)), fail: reject });
      }),
    close: async () => undefined,
  };
  return { producer, calls };
}

const msgs = (n: number, tag = "m"): OutgoingMessage[] =>
  Array.from({ length: n }, (_, i) => ({ value: `${tag}${i}` }));
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("StreamPublisher", () => {
  it("sends what arrived together in one batch and resolves only once it is acknowledged", async () => {
    const { producer, calls } = manualProducer();
    const publisher = new StreamPublisher(producer, new StreamHealth(), { timeoutMs: 10_000 });
    let done = 0;
    const a = publisher.publish(msgs(2, "a")).then(() => done++);
    const b = publisher.publish(msgs(3, "b")).then(() => done++);
    await tick();
    expect(calls).toHaveLength(1);
    expect(calls[0]?.messages.map((m) => m.value)).toEqual(["a0", "a1", "b0", "b1", "b2"]);
    expect(publisher.inFlight).toBe(5);
    // What arrives during a send waits for the next one.
    const c = publisher.publish(msgs(1, "c"));
    await tick();
    expect(calls).toHaveLength(1);
    expect(done).toBe(0);
    calls[0]?.ok();
    await Promise.all([a, b]);
    await tick();
    expect(calls[1]?.messages.map((m) => m.value)).toEqual(["c0"]);
    calls[1]?.ok();
    await c;
    expect(publisher.inFlight).toBe(0);
  });

  it("answers 429 for back-pressure and 503 for a failed stream, which then refuses for a backoff", async () => {
    let now = 0;
    const health = new StreamHealth(() => now);
    health.markUp();
    const { producer, calls } = manualProducer();
    const publisher = new StreamPublisher(producer, health, { timeoutMs: 10_000 });

    const busy = publisher.publish(msgs(1));
    await tick();
    calls[0]?.fail(new BackendError("database is locked", { retriable: true }));
    await expect(busy).rejects.toMatchObject({ status: 429, retryAfterS: 1 });
    expect(health.state).toBe("up");

    const broken = publisher.publish(msgs(1));
    await tick();
    calls[1]?.fail(new BackendError("disk I/O error"));
    await expect(broken).rejects.toMatchObject({ status: 503 });
    expect(health.refusal()).toMatchObject({ status: 503, retryAfterS: 1 });
    now = 1000; // backoff over: let requests through again
    expect(health.refusal()).toBeNull();
    const back = publisher.publish(msgs(1));
    await tick();
    calls[2]?.ok();
    await back;
    expect(health.state).toBe("up");
  });

  it("fails a publish the stream does not acknowledge in time with 503, taking back what was not sent", async () => {
    const { producer, calls } = manualProducer();
    const health = new StreamHealth();
    health.markUp();
    const publisher = new StreamPublisher(producer, health, { timeoutMs: 50 });
    const stuck = publisher.publish(msgs(2, "s"));
    await tick();
    const queued = publisher.publish(msgs(3, "q"));
    const results = await Promise.allSettled([stuck, queued]);
    for (const r of results) {
      expect(r.status).toBe("rejected");
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(StreamRefusalError);
      expect((r as PromiseRejectedResult).reason.status).toBe(503);
    }
    expect(health.state).toBe("down");
    // The queued messages were never sent; the stuck ones still count until the stream answers.
    expect(publisher.inFlight).toBe(2);
    calls[0]?.ok();
    await publisher.idle();
    expect(calls).toHaveLength(1);
    expect(health.state).toBe("up");
  });

  it("refuses with 503 while the producers cannot be created", () => {
    const health = new StreamHealth();
    expect(health.refusal()).toMatchObject({ status: 503 });
    health.connectFailed("connection refused");
    health.markDown("ignored while connecting");
    expect(health.state).toBe("connecting");
    expect(health.reason).toBe("connection refused");
  });
});
