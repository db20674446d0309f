import { describe, expect, it } from "vitest";
import type { MessageId, OutgoingMessage, Producer } from "../backends/stream/types.js";
import { BackendError, PwError } from "../domain/errors.js";
import { describeOrigins, publishBatch } from "./publish-batch.js";

/** A producer whose sends fail with `failures` in turn, then succeed; it records what it was given. */
function producer(failures: Error[]): Producer & { sent: OutgoingMessage[][] } {
  const sent: OutgoingMessage[][] = [];
  return {
    topic: "reports",
    sent,
    async send(): Promise<MessageId> {
      throw new Error("not used");
    },
    async sendBatch(messages) {
      sent.push([...messages]);
      const failure = failures.shift();
      if (failure) throw failure;
      return messages.map((_, i) => String(i));
    },
    async close() {},
  };
}

const noWait = { initialMs: 0, sleep: async () => undefined };
const timeout = () =>
  new BackendError("no acknowledgement from Pulsar within 30000 ms", { retriable: true });

describe("publishBatch", () => {
  it("sends the whole batch again after a retriable failure", async () => {
    const p = producer([timeout(), timeout()]);
    const messages = [{ value: "a" }, { value: "b" }];
    await publishBatch(p, messages, [], "report", noWait);
    expect(p.sent).toEqual([messages, messages, messages]);
  });

  it("names the lines that may not have been published when it gives up", async () => {
    const p = producer([timeout(), timeout()]);
    const origins = [
      { source: "stdin", line: 4001 },
      { source: "stdin", line: 4003 },
      { source: "stdin", line: 5007 },
    ];
    const failure = await publishBatch(p, [{ value: "a" }], origins, "report", {
      ...noWait,
      initialMs: 1,
      giveUpAfterMs: 0,
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PwError);
    expect((failure as PwError).exitCode).toBe(4);
    expect((failure as Error).message).toMatch(
      /^stdin lines 4001-5007: 1 report\(s\) may not have been published to reports: no acknowledgement/,
    );
  });

  it("fails at once, naming the lines, when the failure is not retriable", async () => {
    const p = producer([new BackendError("disk full")]);
    await expect(
      publishBatch(p, [{ value: "a" }], [{ source: "a.ndjson", line: 3 }], "report", noWait),
    ).rejects.toThrow("a.ndjson line 3: 1 report(s) may not have been published");
    expect(p.sent).toHaveLength(1);
  });
});

describe("describeOrigins", () => {
  it("gives each source's first and last line", () => {
    expect(
      describeOrigins([
        { source: "a.ndjson", line: 19 },
        { source: "a.ndjson", line: 1 },
        { source: "b.ndjson", line: 3 },
      ]),
    ).toBe("a.ndjson lines 1-19, b.ndjson line 3");
  });
});
