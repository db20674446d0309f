import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  Consumer,
  Message,
  Stream,
  SubscribeOptions,
} from "../../src/backends/stream/types.js";

/**
 * The contract every Stream implementation passes, run against the real thing.
 * `open` returns a fresh client of the same backend each call (a second client
 * stands in for a second process).
 */
export function describeStreamContract(name: string, open: () => Promise<Stream>): void {
  describe(`Stream contract: ${name}`, () => {
    let stream: Stream;
    const extra: Stream[] = [];
    const another = async () => {
      const s = await open();
      extra.push(s);
      return s;
    };
    beforeAll(async () => {
      stream = await open();
    });
    afterAll(async () => {
      for (const s of extra) await s.close().catch(() => undefined);
      await stream.close();
    });

    const uniqueTopic = (label: string) =>
      `contract-${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

    async function publish(topic: string, count: number, key = (i: number) => `k${i % 3}`) {
      const producer = await stream.createProducer({ topic });
      const ids = await producer.sendBatch(
        Array.from({ length: count }, (_, i) => ({
          key: key(i),
          value: JSON.stringify({ i }),
          properties: { n: String(i) },
          eventTime: 1_700_000_000_000 + i,
        })),
      );
      await producer.close();
      return ids;
    }

    /** Receives until `count` messages arrived or `deadlineMs` passed. */
    async function drain(consumer: Consumer, count: number, deadlineMs = 15_000) {
      const got: Message[] = [];
      const until = Date.now() + deadlineMs;
      while (got.length < count && Date.now() < until) {
        got.push(...(await consumer.receive({ maxMessages: 100, timeoutMs: 500 })));
      }
      return got;
    }
    /** Polls the first subscription's backlog until it equals `expected` or 10 s pass; returns the last value. */
    async function backlogBecomes(topic: string, expected: number): Promise<number | undefined> {
      const until = Date.now() + 10_000;
      let backlog: number | undefined;
      while (Date.now() < until) {
        backlog = (await stream.stats(topic)).subscriptions[0]?.backlog;
        if (backlog === expected) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return backlog;
    }
    const values = (ms: Message[]) => ms.map((m) => (JSON.parse(m.value) as { i: number }).i);
    const sub = (topic: string, extraOpts: Partial<SubscribeOptions> = {}): SubscribeOptions => ({
      topic,
      subscription: "s",
      type: "Shared",
      initialPosition: "Earliest",
      ...extraOpts,
    });

    it("delivers published messages in order with key, properties and event time", async () => {
      const topic = uniqueTopic("order");
      await publish(topic, 20);
      const consumer = await stream.subscribe(sub(topic));
      const got = await drain(consumer, 20);
      expect(values(got)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(got[4]?.key).toBe("k1");
      expect(got[4]?.properties).toMatchObject({ n: "4" });
      expect(got[4]?.eventTime).toBe(1_700_000_000_004);
      expect(got[0]?.redeliveryCount).toBe(0);
      await consumer.ack(got);
      await consumer.close();
    });

    it("wakes a waiting consumer when a message is published", async () => {
      const topic = uniqueTopic("wake");
      const consumer = await stream.subscribe(sub(topic));
      const waiting = consumer.receive({ maxMessages: 10, timeoutMs: 10_000 });
      const publisher = await another();
      const producer = await publisher.createProducer({ topic });
      await producer.send({ value: "hello" });
      const got = await waiting;
      expect(got.map((m) => m.value)).toEqual(["hello"]);
      await consumer.ack(got);
      await consumer.close();
    });

    it("starts a Latest subscription after the messages already there", async () => {
      const topic = uniqueTopic("latest");
      await publish(topic, 5);
      const consumer = await stream.subscribe(sub(topic, { initialPosition: "Latest" }));
      const producer = await stream.createProducer({ topic });
      await producer.send({ value: JSON.stringify({ i: 99 }) });
      const got = await drain(consumer, 1);
      expect(values(got)).toEqual([99]);
      await consumer.ack(got);
      await consumer.close();
    });

    it("keeps a durable cursor: a new consumer gets only what was not acked", async () => {
      const topic = uniqueTopic("cursor");
      await publish(topic, 10);
      const first = await stream.subscribe(sub(topic));
      const got = await drain(first, 10);
      await first.ack(got.slice(0, 6));
      await first.close();
      const second = await stream.subscribe(sub(topic));
      const rest = await drain(second, 4);
      expect(values(rest).sort((a, b) => a - b)).toEqual([6, 7, 8, 9]);
      await second.ack(rest);
      expect(await second.receive({ maxMessages: 10, timeoutMs: 300 })).toEqual([]);
      await second.close();
    });

    it("redelivers the unacked messages of a client that went away", async () => {
      const topic = uniqueTopic("dies");
      await publish(topic, 4);
      const doomed = await another();
      const c1 = await doomed.subscribe(sub(topic));
      expect((await drain(c1, 4)).length).toBe(4);
      await doomed.close();
      const c2 = await stream.subscribe(sub(topic));
      const again = await drain(c2, 4);
      expect(values(again).sort()).toEqual([0, 1, 2, 3]);
      await c2.ack(again);
      await c2.close();
    });

    it("gives every subscription its own copy", async () => {
      const topic = uniqueTopic("fanout");
      await publish(topic, 5);
      const a = await stream.subscribe(sub(topic, { subscription: "a" }));
      const b = await stream.subscribe(sub(topic, { subscription: "b" }));
      const gotA = await drain(a, 5);
      const gotB = await drain(b, 5);
      expect(values(gotA)).toEqual([0, 1, 2, 3, 4]);
      expect(values(gotB)).toEqual([0, 1, 2, 3, 4]);
      await a.ack(gotA);
      await b.ack(gotB);
      await a.close();
      await b.close();
    });

    it("redelivers a nacked message, then dead-letters it past the limit", async () => {
      const topic = uniqueTopic("nack");
      const dlq = `${topic}-dead`;
      await publish(topic, 1);
      const consumer = await stream.subscribe(
        sub(topic, { nackRedeliveryDelayMs: 50, deadLetter: { maxRedeliverCount: 2, topic: dlq } }),
      );
      const counts: number[] = [];
      const until = Date.now() + 20_000;
      while (counts.length < 3 && Date.now() < until) {
        const got = await consumer.receive({ maxMessages: 1, timeoutMs: 500 });
        for (const m of got) counts.push(m.redeliveryCount);
        await consumer.nack(got);
      }
      expect(counts).toEqual([0, 1, 2]);
      const reader = await stream.createReader({ topic: dlq, start: "earliest" });
      const dead: Message[] = [];
      while (dead.length === 0 && Date.now() < until) {
        dead.push(...(await reader.read({ maxMessages: 10, timeoutMs: 500 })));
      }
      expect(values(dead)).toEqual([0]);
      expect(await consumer.receive({ maxMessages: 1, timeoutMs: 300 })).toEqual([]);
      await reader.close();
      await consumer.close();
    });

    it("splits a Shared subscription between consumers, each message to one of them", async () => {
      const topic = uniqueTopic("shared");
      const c1 = await stream.subscribe(sub(topic));
      const c2 = await (await another()).subscribe(sub(topic));
      await publish(topic, 200);
      const seen: number[] = [];
      const perConsumer = [0, 0];
      const until = Date.now() + 20_000;
      while (seen.length < 200 && Date.now() < until) {
        for (const [i, c] of [c1, c2].entries()) {
          const got = await c.receive({ maxMessages: 7, timeoutMs: 50 });
          perConsumer[i]! += got.length;
          seen.push(...values(got));
          await c.ack(got);
        }
      }
      expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
      expect(perConsumer[0]).toBeGreaterThan(0);
      expect(perConsumer[1]).toBeGreaterThan(0);
      await c1.close();
      await c2.close();
    });

    it("keeps each key on one consumer of a Key_Shared subscription, in order", async () => {
      const topic = uniqueTopic("keyshared");
      const opts = sub(topic, { type: "Key_Shared" });
      const c1 = await stream.subscribe(opts);
      const c2 = await (await another()).subscribe(opts);
      await publish(topic, 300, (i) => `drone-${i % 10}`);
      const byConsumer: Message[][] = [[], []];
      const until = Date.now() + 20_000;
      while (byConsumer[0]!.length + byConsumer[1]!.length < 300 && Date.now() < until) {
        for (const [i, c] of [c1, c2].entries()) {
          const got = await c.receive({ maxMessages: 13, timeoutMs: 50 });
          byConsumer[i]!.push(...got);
          await c.ack(got);
        }
      }
      const keys = byConsumer.map((ms) => new Set(ms.map((m) => m.key)));
      for (const k of keys[0]!) expect(keys[1]!.has(k)).toBe(false);
      expect(keys[0]!.size + keys[1]!.size).toBe(10);
      for (const ms of byConsumer) {
        for (const key of new Set(ms.map((m) => m.key))) {
          const order = values(ms.filter((m) => m.key === key));
          expect(order).toEqual([...order].sort((a, b) => a - b));
        }
      }
      await c1.close();
      await c2.close();
    });

    it("delivers a Failover subscription to one active consumer, then to the next", async () => {
      const topic = uniqueTopic("failover");
      const opts = sub(topic, { type: "Failover" });
      const active = await stream.subscribe({ ...opts, consumerName: "a" });
      const standby = await (await another()).subscribe({ ...opts, consumerName: "b" });
      await publish(topic, 10);
      const first = await drain(active, 10);
      expect(values(first)).toEqual(Array.from({ length: 10 }, (_, i) => i));
      await active.ack(first);
      expect(await standby.receive({ maxMessages: 10, timeoutMs: 300 })).toEqual([]);
      await active.close();
      await publish(topic, 3);
      const second = await drain(standby, 3);
      expect(values(second)).toEqual([0, 1, 2]);
      await standby.ack(second);
      await standby.close();
    });

    it("reads from earliest, latest, a message id and a time without consuming", async () => {
      const topic = uniqueTopic("reader");
      const ids = await publish(topic, 5);
      const readAll = async (
        start: Parameters<Stream["createReader"]>[0]["start"],
        n: number,
        waitMs = 10_000,
      ) => {
        const reader = await stream.createReader({ topic, start });
        const got: Message[] = [];
        const until = Date.now() + waitMs;
        while (got.length < n && Date.now() < until) {
          got.push(...(await reader.read({ maxMessages: 100, timeoutMs: 300 })));
        }
        await reader.close();
        return got;
      };
      expect(values(await readAll("earliest", 5))).toEqual([0, 1, 2, 3, 4]);
      expect(values(await readAll({ messageId: ids[1]! }, 3))).toEqual([2, 3, 4]);
      expect(await readAll("latest", 1, 500)).toEqual([]);
      const future = Date.now() + 60_000;
      expect(await readAll({ time: future }, 1, 500)).toEqual([]);
      expect(values(await readAll({ time: 0 }, 5))).toEqual([0, 1, 2, 3, 4]);
      // Reading consumed nothing: a subscription still sees everything.
      const consumer = await stream.subscribe(sub(topic));
      const got = await drain(consumer, 5);
      expect(got.length).toBe(5);
      await consumer.ack(got);
      await consumer.close();
    });

    it("reports published counts and per-subscription backlog", async () => {
      const topic = uniqueTopic("stats");
      const consumer = await stream.subscribe(sub(topic, { subscription: "counted" }));
      await publish(topic, 12);
      const before = await stream.stats(topic);
      expect(before.published).toBe(12);
      expect(before.subscriptions).toEqual([
        expect.objectContaining({ name: "counted", backlog: 12 }),
      ]);
      const got = await drain(consumer, 12);
      // Acks may be grouped (Pulsar's clients do it too): the backlog follows within a bounded wait.
      await consumer.ack(got.slice(0, 5));
      expect(await backlogBecomes(topic, 7)).toBe(7);
      await consumer.ack(got.slice(5));
      expect(await backlogBecomes(topic, 0)).toBe(0);
      await consumer.close();
    });
  });
}
