import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { createEmbeddedStream } from "../../src/backends/stream/embedded/embedded-stream.js";
import type { Message } from "../../src/backends/stream/types.js";

const dataDir = mkdtempSync(join(tmpdir(), "pw-retention-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it("trims only what every subscription acknowledged, and keeps topics nobody subscribes to", async () => {
  const stream = createEmbeddedStream({ dataDir, retentionMs: 0 });
  const producer = await stream.createProducer({ topic: "t" });
  const dead = await stream.createProducer({ topic: "t-dlq" });
  await producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ value: String(i) })));
  await dead.sendBatch([{ value: "kept" }]);
  const fast = await stream.subscribe({ topic: "t", subscription: "fast", type: "Shared" });
  const slow = await stream.subscribe({ topic: "t", subscription: "slow", type: "Shared" });
  const take = async (n: number, consumer: typeof fast) => {
    const got: Message[] = [];
    while (got.length < n)
      got.push(...(await consumer.receive({ maxMessages: n - got.length, timeoutMs: 1000 })));
    return got;
  };
  await fast.ack(await take(10, fast));
  const slowOnes = await take(10, slow);
  await slow.ack(slowOnes.filter((m) => Number(m.value) !== 3 && Number(m.value) < 6));
  await fast.close(); // closing writes the grouped acks
  await slow.close();

  await new Promise((resolve) => setTimeout(resolve, 5)); // older than a retention of 0 ms
  stream.trimAcknowledged();

  const readAll = async (topic: string) => {
    const reader = await stream.createReader({ topic, start: "earliest" });
    const values = (await reader.read({ maxMessages: 100, timeoutMs: 0 })).map((m) => m.value);
    await reader.close();
    return values;
  };
  // "slow" has not acked 3 (nor 6..9): nothing from 3 on may go.
  expect(await readAll("t")).toEqual(["3", "4", "5", "6", "7", "8", "9"]);
  expect(await readAll("t-dlq")).toEqual(["kept"]);
  const again = await stream.subscribe({ topic: "t", subscription: "slow", type: "Shared" });
  expect((await take(5, again)).map((m) => m.value).sort()).toEqual(["3", "6", "7", "8", "9"]);
  await again.close();
  await stream.close();
});
