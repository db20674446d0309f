import { request } from "node:http";
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { OutgoingMessage, Producer } from "../../backends/stream/types.js";
import { type GatewayProducers, ReportGateway } from "./server.js";

const TOKEN = `pwd_${"A".repeat(43)}`;
const OTHER = `pwd_${"B".repeat(43)}`;
const credentials = { droneFor: (t: string) => (t === TOKEN ? "d1" : undefined) };

const report = (id: string, drone = "d1") =>
  JSON.stringify({
    reportId: id,
    droneId: drone,
    ts: "2026-11-26T10:00:00Z",
    location: { lat: 48.85, lon: 2.35 },
    citizens: [],
    words: [],
  });

/** Producers that keep what they were sent; `hold` makes sends wait for `release`. */
function memoryProducers() {
  const sent: Record<string, OutgoingMessage[]> = { reports: [], "reports-dlq": [] };
  const held: Array<() => void> = [];
  let hold = false;
  const producer = (topic: string): Producer => ({
    topic,
    send: () => Promise.reject(new Error("unused")),
    sendBatch: async (messages) => {
      if (hold) await new Promise<void>((resolve) => held.push(resolve));
      sent[topic]?.push(...messages);
      return messages.map(String);
    },
    close: async () => undefined,
  });
  return {
    sent,
    hold: () => {
      hold = true;
    },
    release: () => {
      hold = false;
      for (const r of held.splice(0)) r();
    },
    producers: (): GatewayProducers => ({
      reports: producer("reports"),
      deadLetters: producer("reports-dlq"),
    }),
  };
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

function call(
  url: string,
  options: { method?: string; path?: string; token?: string; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${options.path ?? "/v1/reports"}`,
      {
        method: options.method ?? "POST",
        headers: options.token ? { Authorization: `Bearer ${options.token}` } : {},
      },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => {
          text += c.toString();
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) }),
        );
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

const gateways: ReportGateway[] = [];
afterEach(async () => {
  for (const g of gateways.splice(0)) await g.shutdown(100);
});

async function startGateway(
  openProducers: () => Promise<GatewayProducers>,
  overrides: { maxInFlight?: number; maxRequestBytes?: number } = {},
) {
  const logs: string[] = [];
  const gateway = new ReportGateway({
    listen: { host: "127.0.0.1", port: 0 },
    openProducers,
    credentials,
    maxRequestBytes: overrides.maxRequestBytes ?? 1024 * 1024,
    maxInFlight: overrides.maxInFlight ?? 1000,
    publishTimeoutMs: 5000,
    log: (line) => logs.push(line),
    logRequests: true,
  });
  gateways.push(gateway);
  const url = await gateway.start();
  for (let i = 0; i < 100 && gateway.streamState === "connecting"; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  return { gateway, url, logs };
}

describe("ReportGateway", () => {
  it("never writes a token or the Authorization header to its log", async () => {
    const memory = memoryProducers();
    const { url, logs } = await startGateway(async () => memory.producers());
    const answers = [
      await call(url, { token: TOKEN, body: `${report("a")}\n${report("b")}\n` }),
      await call(url, { token: TOKEN, body: `${report("c")}\n{bad\n` }),
      await call(url, { token: TOKEN, body: report("x", "d2") }),
      await call(url, { token: OTHER, body: report("a") }),
      await call(url, { token: "not-even-a-token", body: report("a") }),
      await call(url, { body: report("a") }),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 400, 403, 401, 401, 401]);
    expect(logs).toHaveLength(6);
    const text = logs.join("\n");
    for (const secret of [TOKEN, OTHER, "not-even-a-token", "Bearer", "authorization"]) {
      expect(text.toLowerCase()).not.toContain(secret.toLowerCase());
    }
    for (const token of [TOKEN, OTHER, "not-even-a-token"]) {
      expect(JSON.stringify(answers)).not.toContain(token);
    }
    expect(logs[0]).toMatch(/^POST \/v1\/reports 200 drone=d1 accepted=2 dead-lettered=0 /);
    expect(logs[3]).toMatch(/^POST \/v1\/reports 401 drone=- /);
    expect(answers[3]?.headers["www-authenticate"]).toBe('Bearer realm="pw"');
    expect(memory.sent.reports?.map((m) => JSON.parse(m.value).reportId)).toEqual(["a", "b", "c"]);
    expect(memory.sent["reports-dlq"]?.map((m) => JSON.parse(m.value).source)).toEqual([
      "http:d1",
      "http:d1",
    ]);
  });

  it("answers 429 with Retry-After while the stream holds the in-flight limit, and 200 once it acknowledged", async () => {
    const memory = memoryProducers();
    const { url } = await startGateway(async () => memory.producers(), { maxInFlight: 2 });
    memory.hold();
    const first = call(url, { token: TOKEN, body: `${report("a")}\n${report("b")}` });
    // Poll until the first request is waiting on the stream.
    let second: Answer | undefined;
    for (let i = 0; i < 100; i++) {
      second = await call(url, { token: TOKEN, body: report("c") });
      if (second.status === 429) break;
    }
    expect(second?.status).toBe(429);
    expect(second?.headers["retry-after"]).toBe("1");
    const health = await call(url, { method: "GET", path: "/healthz" });
    expect(health.body).toMatchObject({ status: "ok", inFlight: 2 });
    memory.release();
    expect((await first).status).toBe(200);
    expect(memory.sent.reports?.map((m) => JSON.parse(m.value).reportId)).toEqual(["a", "b"]);
  });

  it("answers 503 and an unhealthy /healthz while the stream cannot be reached", async () => {
    const { url, logs } = await startGateway(() =>
      Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:1")),
    );
    const answer = await call(url, { token: TOKEN, body: report("a") });
    expect(answer.status).toBe(503);
    expect(Number(answer.headers["retry-after"])).toBeGreaterThan(0);
    const health = await call(url, { method: "GET", path: "/healthz" });
    expect(health).toMatchObject({ status: 503, body: { stream: "connecting" } });
    expect(logs.join("\n")).toMatch(
      /the stream is unavailable, answering 503: connect ECONNREFUSED/,
    );
    // A bad token is still a 401, whatever the stream.
    expect((await call(url, { token: OTHER, body: report("a") })).status).toBe(401);
  });

  it("refuses an oversized body with 413 and a body without reports with 400", async () => {
    const memory = memoryProducers();
    const { url } = await startGateway(async () => memory.producers(), { maxRequestBytes: 1000 });
    const big = Array.from({ length: 10 }, (_, i) => report(`r${i}`)).join("\n");
    expect((await call(url, { token: TOKEN, body: big })).status).toBe(413);
    expect((await call(url, { token: TOKEN, body: "\n\n" })).status).toBe(400);
    expect((await call(url, { method: "GET", token: TOKEN })).status).toBe(405);
    expect((await call(url, { path: "/nope", token: TOKEN })).status).toBe(404);
    expect(memory.sent.reports).toEqual([]);
  });

  it("answers requests Node's HTTP parser refuses with a JSON error too", async () => {
    // Regression: these never reached the handler, and got Node's bare 400/431 without a body.
    const memory = memoryProducers();
    const { url } = await startGateway(async () => memory.producers());
    const port = Number(new URL(url).port);
    const head = `POST /v1/reports HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n`;
    const cases: Array<[string, boolean, number, RegExp]> = [
      [`${head}Content-Length: abc\r\n\r\n${report("a")}`, false, 400, /Content-Length/],
      [`${head}Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd`, false, 400, /Content-Length/],
      [`${head}Transfer-Encoding: chunked\r\n\r\nzz\r\n`, false, 400, /chunk size/],
      // A body cut short by the end of the connection.
      [`${head}Content-Length: 1000\r\n\r\n${report("b")}\n`, true, 400, /valid HTTP/],
      [`${head}X-Big: ${"a".repeat(20_000)}\r\n\r\n`, false, 431, /headers are too large/],
      ["\u0000\u0001 not http\r\n\r\n", false, 400, /method/],
    ];
    for (const [bytes, halfClose, status, why] of cases) {
      const text = await new Promise<string>((resolve) => {
        const socket = connect(port, "127.0.0.1");
        let got = "";
        socket.on("data", (c: Buffer) => {
          got += c.toString("latin1");
        });
        socket.on("error", () => undefined);
        socket.on("close", () => resolve(got));
        socket.write(bytes, "latin1", () => {
          if (halfClose) socket.end();
        });
      });
      const [headText = "", body = ""] = text.split("\r\n\r\n");
      expect(headText, bytes.slice(0, 80)).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
      expect(headText).toMatch(/\r\nContent-Type: application\/json\r\n/);
      expect(JSON.parse(body).error).toMatch(why);
      expect(text).not.toContain(TOKEN);
    }
    expect(memory.sent.reports).toEqual([]);
  });

  it("finishes the requests under way when shut down, then reports what it did", async () => {
    const memory = memoryProducers();
    const { gateway, url } = await startGateway(async () => memory.producers());
    memory.hold();
    const pending = call(url, { token: TOKEN, body: report("late") });
    for (let i = 0; i < 100 && gateway.summary().requests === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const stopped = gateways.splice(0)[0]!.shutdown(5000);
    await new Promise((r) => setTimeout(r, 50));
    memory.release();
    expect((await pending).status).toBe(200);
    expect(await stopped).toMatchObject({ requests: 1, accepted: 1, byStatus: { 200: 1 } });
  });
});
