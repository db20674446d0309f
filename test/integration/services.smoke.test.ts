// Smoke test for the local servers started by scripts/services/services.sh:
// proves Pulsar's WebSocket API and OpenSearch's REST API work end to end.
// Run:  bash scripts/services/with-services.sh npx vitest run --project integration
import { describe, expect, it } from "vitest";
import WebSocket from "ws";

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set. Start the servers and export the URLs with ` +
        "`bash scripts/services/with-services.sh npx vitest run --project integration`.",
    );
  }
  return value.replace(/\/+$/, "");
}

function uniqueSuffix(): string {
  return `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A WebSocket whose JSON messages are queued so none is missed between awaits. */
class JsonSocket {
  private readonly queue: unknown[] = [];
  private readonly waiters: Array<(message: unknown) => void> = [];
  private failure: Error | undefined;

  private constructor(
    readonly ws: WebSocket,
    private readonly label: string,
  ) {
    ws.on("message", (data) => {
      let message: unknown;
      try {
        message = JSON.parse(data.toString());
      } catch {
        this.failure = new Error(`${this.label}: non-JSON frame: ${data.toString().slice(0, 200)}`);
        return;
      }
      const waiter = this.waiters.shift();
      if (waiter) waiter(message);
      else this.queue.push(message);
    });
    ws.on("error", (err) => {
      this.failure = err;
    });
  }

  static open(url: string, label: string, timeoutMs = 15_000): Promise<JsonSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const socket = new JsonSocket(ws, label);
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`${label}: no WebSocket handshake from ${url} within ${timeoutMs} ms`));
      }, timeoutMs);
      ws.once("open", () => {
        clearTimeout(timer);
        resolve(socket);
      });
      ws.once("unexpected-response", (_req, res) => {
        clearTimeout(timer);
        ws.terminate();
        reject(new Error(`${label}: ${url} answered HTTP ${res.statusCode} instead of upgrading`));
      });
      ws.once("error", (err) => {
        clearTimeout(timer);
        reject(new Error(`${label}: ${url}: ${err.message}`));
      });
    });
  }

  next(timeoutMs = 15_000): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const index = this.waiters.indexOf(onMessage);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(new Error(`${this.label}: no message within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (message: unknown) => {
        clearTimeout(timer);
        resolve(message);
      };
      this.waiters.push(onMessage);
    });
  }

  send(message: unknown): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.send(JSON.stringify(message), (err) => (err ? reject(err) : resolve()));
    });
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.close();
    }
  }
}

interface ProducerAck {
  result: string;
  messageId?: string;
  context?: string;
  errorMsg?: string;
}

interface ConsumerMessage {
  messageId: string;
  payload: string;
  key?: string;
  properties?: Record<string, string>;
}

async function pollUntil<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (!done(last)) {
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: condition not met within ${timeoutMs} ms (last: ${JSON.stringify(last)})`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
    last = await read();
  }
  return last;
}

async function fetchJson(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, {
    ...init,
    headers: { "content-type": "application/json", ...(init.headers ?? {}) },
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

describe("local services smoke", () => {
  it("Pulsar: WebSocket producer -> Shared consumer round trip with key, properties and ack", async () => {
    const wsBase = requireEnv("PW_TEST_PULSAR_WS_URL");
    const adminBase = requireEnv("PW_TEST_PULSAR_ADMIN_URL");
    requireEnv("PW_TEST_PULSAR_URL");

    const suffix = uniqueSuffix();
    const topic = `pw-smoke-${suffix}`;
    const subscription = `pw-smoke-sub-${suffix}`;
    const topicPath = `persistent/public/default/${topic}`;
    const payload = `drone report ${suffix} ✓`;
    const key = `drone-${suffix}`;

    const sockets: JsonSocket[] = [];
    try {
      // Consumer first: the subscription must exist before the message is published.
      const consumer = await JsonSocket.open(
        `${wsBase}/ws/v2/consumer/${topicPath}/${subscription}?subscriptionType=Shared`,
        "consumer",
      );
      sockets.push(consumer);
      const producer = await JsonSocket.open(`${wsBase}/ws/v2/producer/${topicPath}`, "producer");
      sockets.push(producer);

      await producer.send({
        payload: Buffer.from(payload, "utf8").toString("base64"),
        key,
        properties: { source: "smoke-test", suffix },
        context: "ctx-1",
      });
      const ack = (await producer.next()) as ProducerAck;
      expect(ack.result, `producer error: ${ack.errorMsg ?? ""}`).toBe("ok");
      expect(ack.context).toBe("ctx-1");
      expect(typeof ack.messageId).toBe("string");

      const received = (await consumer.next()) as ConsumerMessage;
      expect(Buffer.from(received.payload, "base64").toString("utf8")).toBe(payload);
      expect(received.key).toBe(key);
      expect(received.properties).toMatchObject({ source: "smoke-test", suffix });

      await consumer.send({ messageId: received.messageId });

      // The ack is fire-and-forget over WebSocket; confirm it through the admin API.
      const stats = await pollUntil(
        "subscription backlog after ack",
        async () => {
          const { status, body } = await fetchJson(`${adminBase}/admin/v2/${topicPath}/stats`);
          expect(status).toBe(200);
          const subs = (body as { subscriptions?: Record<string, { msgBacklog?: number }> })
            .subscriptions;
          return subs?.[subscription]?.msgBacklog;
        },
        (backlog) => backlog === 0,
      );
      expect(stats).toBe(0);
    } finally {
      for (const socket of sockets) socket.close();
      // Best-effort cleanup; force=true also drops the subscription.
      await fetch(`${adminBase}/admin/v2/${topicPath}?force=true`, {
        method: "DELETE",
        signal: AbortSignal.timeout(15_000),
      }).catch(() => undefined);
    }
  });

  it("OpenSearch: create index, index with refresh, match query, delete index", async () => {
    const base = requireEnv("PW_TEST_OPENSEARCH_URL");
    const index = `pw-smoke-${uniqueSuffix()}`;
    let deleted = false;

    try {
      const created = await fetchJson(`${base}/${index}`, {
        method: "PUT",
        body: JSON.stringify({
          settings: { number_of_shards: 1, number_of_replicas: 0 },
          mappings: { properties: { text: { type: "text" }, drone: { type: "keyword" } } },
        }),
      });
      expect(created.status, JSON.stringify(created.body)).toBe(200);

      const indexed = await fetchJson(`${base}/${index}/_doc/report-1?refresh=true`, {
        method: "PUT",
        body: JSON.stringify({ text: "convoy spotted near the northern bridge", drone: "d-7" }),
      });
      expect(indexed.status, JSON.stringify(indexed.body)).toBe(201);
      expect((indexed.body as { result: string }).result).toBe("created");

      const search = await fetchJson(`${base}/${index}/_search`, {
        method: "POST",
        body: JSON.stringify({ query: { match: { text: "northern convoy" } } }),
      });
      expect(search.status, JSON.stringify(search.body)).toBe(200);
      const hits = (
        search.body as {
          hits: {
            total: { value: number };
            hits: Array<{ _id: string; _source: { drone: string } }>;
          };
        }
      ).hits;
      expect(hits.total.value).toBe(1);
      expect(hits.hits[0]?._id).toBe("report-1");
      expect(hits.hits[0]?._source.drone).toBe("d-7");

      const removed = await fetchJson(`${base}/${index}`, { method: "DELETE" });
      expect(removed.status, JSON.stringify(removed.body)).toBe(200);
      deleted = true;
    } finally {
      // Best-effort cleanup when an assertion above failed first.
      if (!deleted) {
        await fetch(`${base}/${index}`, {
          method: "DELETE",
          signal: AbortSignal.timeout(15_000),
        }).catch(() => undefined);
      }
    }
  });
});
