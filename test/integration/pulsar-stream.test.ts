// The Pulsar stream driver against a real broker: the shared Stream contract,
// unchanged, plus what only a network backend has (reconnects, dedup, admin).
// Run: bash scripts/services/with-services.sh npx vitest run --project integration
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PulsarAdmin } from "../../src/backends/stream/pulsar/admin-client.js";
import { parsePulsarConfig } from "../../src/backends/stream/pulsar/pulsar-config.js";
import { createPulsarStream } from "../../src/backends/stream/pulsar/pulsar-stream.js";
import type { Message, Stream } from "../../src/backends/stream/types.js";
import { BackendError } from "../../src/domain/errors.js";
import { describeStreamContract } from "../contract/stream-contract.js";
import { pulsarTestSettings, requireServiceUrl } from "./services-env.js";

/** A fresh namespace per run, so reruns and other users of the broker never collide. */
const namespace = `public/pwtest-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
let env: NodeJS.ProcessEnv = {};
let url = "";
let admin: PulsarAdmin;

beforeAll(async () => {
  ({ url, env } = pulsarTestSettings(namespace));
  admin = new PulsarAdmin(parsePulsarConfig({ url, env }));
  await admin.createNamespace(namespace);
});

afterAll(async () => {
  await admin?.deleteNamespace(namespace);
});

describeStreamContract("Pulsar", async () => createPulsarStream({ url, env }));

/** A TCP relay to the broker's web port whose connections the test can cut, as a network failure would. */
class CuttableRelay {
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  /** Bytes relayed from the broker to the client since the last cut. */
  downstreamBytes = 0;

  async start(target: URL): Promise<string> {
    const server = createServer((client) => {
      const upstream = connect(Number(target.port), target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => s.destroy());
      }
      upstream.on("data", (chunk: Buffer) => {
        this.downstreamBytes += chunk.length;
      });
      client.pipe(upstream).pipe(client);
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  cut(): void {
    for (const s of this.sockets) s.destroy();
    this.downstreamBytes = 0;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

async function until<T>(
  what: string,
  read: () => Promise<T> | T,
  done: (v: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(
        `${what}: not reached within ${timeoutMs} ms (last: ${JSON.stringify(value)})`,
      );
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const uniqueTopic = (label: string) =>
  `pulsar-${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

async function readEverything(stream: Stream, topic: string, expected: number): Promise<Message[]> {
  const reader = await stream.createReader({ topic, start: "earliest" });
  const got: Message[] = [];
  const deadline = Date.now() + 30_000;
  while (got.length < expected && Date.now() < deadline) {
    got.push(...(await reader.read({ maxMessages: 1000, timeoutMs: 300 })));
  }
  // Anything beyond `expected` (a duplicate) would arrive right after.
  got.push(...(await reader.read({ maxMessages: 1000, timeoutMs: 500 })));
  await reader.close();
  return got;
}

describe("Pulsar driver beyond the contract", () => {
  const relay = new CuttableRelay();
  let direct: Stream;
  let relayed: Stream;

  beforeAll(async () => {
    const wsUrl = await relay.start(new URL(requireServiceUrl("PW_TEST_PULSAR_WS_URL")));
    direct = createPulsarStream({ url, env });
    relayed = createPulsarStream({ url, env: { ...env, PW_PULSAR_WS_URL: wsUrl } });
  });

  afterAll(async () => {
    await relayed?.close();
    await direct?.close();
    await relay.stop();
  });

  it("reports a topic that does not exist as empty, not as an error", async () => {
    expect(await direct.stats(uniqueTopic("missing"))).toMatchObject({
      published: 0,
      subscriptions: [],
    });
  });

  it("turns on deduplication for the namespace when it first produces", async () => {
    const producer = await direct.createProducer({ topic: uniqueTopic("dedup") });
    await producer.close();
    const res = await fetch(
      `${env.PW_PULSAR_WEB_URL}/admin/v2/namespaces/${namespace}/deduplication`,
    );
    expect(await res.json()).toBe(true);
  });

  it("resends in-flight messages after a lost connection, and the broker drops what it already had", async () => {
    const topic = uniqueTopic("resend");
    const producer = await relayed.createProducer({ topic });
    const count = 4000;
    const sending = producer.sendBatch(
      Array.from({ length: count }, (_, i) => ({ key: `k${i % 7}`, value: String(i) })),
    );
    // Cut once receipts are flowing: some sends are then persisted but unacknowledged.
    await until(
      "receipts flowing",
      () => relay.downstreamBytes,
      (n) => n > 20_000,
    );
    relay.cut();
    const ids = await sending;
    expect(ids).toHaveLength(count);
    await producer.close();

    const got = await readEverything(direct, topic, count);
    const values = got.map((m) => Number(m.value));
    expect(values).toHaveLength(count);
    expect(values).toEqual(Array.from({ length: count }, (_, i) => i));
    expect((await direct.stats(topic)).published).toBe(count);
    // The broker counts what it received, duplicates included: proof resends happened.
    const raw = (await (
      await fetch(`${env.PW_PULSAR_WEB_URL}/admin/v2/persistent/${namespace}/${topic}/stats`)
    ).json()) as { msgInCounter: number };
    process.stderr.write(
      `resend test: ${raw.msgInCounter - count} duplicate(s) dropped by the broker\n`,
    );
  });

  it("keeps consuming across a lost connection: nothing lost, nothing handed out twice, acks after it apply", async () => {
    const topic = uniqueTopic("reconnect");
    const count = 3000;
    const consumer = await relayed.subscribe({
      topic,
      subscription: "s",
      type: "Shared",
      initialPosition: "Earliest",
    });
    const producer = await direct.createProducer({ topic });
    await producer.sendBatch(Array.from({ length: count }, (_, i) => ({ value: String(i) })));
    await producer.close();

    const first = await consumer.receive({ maxMessages: 500, timeoutMs: 10_000 });
    expect(first.length).toBeGreaterThan(0);
    relay.cut(); // `first` is not acked yet: the broker will redeliver it
    const seen = new Map<string, number>();
    for (const m of first) seen.set(m.id, (seen.get(m.id) ?? 0) + 1);
    const rest: Message[] = [];
    const deadline = Date.now() + 30_000;
    while (seen.size < count && Date.now() < deadline) {
      const got = await consumer.receive({ maxMessages: 500, timeoutMs: 500 });
      for (const m of got) seen.set(m.id, (seen.get(m.id) ?? 0) + 1);
      rest.push(...got);
      await consumer.ack(got);
    }
    await consumer.ack(first); // delivered before the cut, acked after it
    expect(seen.size).toBe(count);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(await consumer.receive({ maxMessages: 10, timeoutMs: 500 })).toEqual([]);
    const stats = await direct.stats(topic);
    expect(stats.subscriptions).toEqual([expect.objectContaining({ name: "s", backlog: 0 })]);
    await consumer.close();
  });

  it("resumes a reader after a lost connection right after the last message read", async () => {
    const topic = uniqueTopic("reader-reconnect");
    const producer = await direct.createProducer({ topic });
    await producer.sendBatch(Array.from({ length: 2000 }, (_, i) => ({ value: String(i) })));
    const reader = await relayed.createReader({ topic, start: "earliest" });
    const got = await reader.read({ maxMessages: 300, timeoutMs: 10_000 });
    relay.cut();
    const deadline = Date.now() + 30_000;
    while (got.length < 2000 && Date.now() < deadline) {
      got.push(...(await reader.read({ maxMessages: 500, timeoutMs: 500 })));
    }
    expect(got.map((m) => Number(m.value))).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    await reader.close();
    await producer.close();
  });

  it("lets a reader read what is there with a zero timeout, then stop", async () => {
    const topic = uniqueTopic("drain");
    const producer = await direct.createProducer({ topic });
    await producer.sendBatch(Array.from({ length: 2500 }, (_, i) => ({ value: String(i) })));
    await producer.close();
    const reader = await direct.createReader({ topic, start: "earliest" });
    const got: Message[] = [];
    for (;;) {
      const batch = await reader.read({ maxMessages: 1000, timeoutMs: 0 });
      if (batch.length === 0) break;
      got.push(...batch);
    }
    expect(got).toHaveLength(2500);
    await reader.close();

    const empty = await direct.createReader({
      topic: uniqueTopic("drain-empty"),
      start: "earliest",
    });
    const started = Date.now();
    expect(await empty.read({ maxMessages: 10, timeoutMs: 0 })).toEqual([]);
    expect(Date.now() - started).toBeLessThan(1_000);
    await empty.close();
  });

  it("gives a clear, retriable error when Pulsar cannot be reached", async () => {
    const nowhere = createPulsarStream({
      url: "pulsar://127.0.0.1:1",
      env: {
        PW_PULSAR_WEB_URL: "http://127.0.0.1:1",
        PW_PULSAR_NAMESPACE: namespace,
        PW_PULSAR_TOKEN: "secret-token-value",
      },
      timeouts: { connectTimeoutMs: 500, requestTimeoutMs: 500 },
    });
    expect(nowhere.description).not.toContain("secret-token-value");
    const failure = await nowhere.stats("reports").catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(BackendError);
    expect((failure as BackendError).retriable).toBe(true);
    expect((failure as Error).message).toMatch(
      /cannot reach the Pulsar admin API at http:\/\/127\.0\.0\.1:1 /,
    );
    expect((failure as Error).message).not.toContain("secret-token-value");
    await nowhere.close();
  });
});
