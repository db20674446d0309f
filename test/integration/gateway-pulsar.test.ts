// `pw ingest --listen` on Apache Pulsar: the real binary, the real broker.
// Run: bash scripts/services/with-services.sh npx vitest run --project integration test/integration/gateway-pulsar.test.ts
// The shared broker is never stopped here: "stream down" is a Pulsar URL where nothing listens.
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PulsarAdmin } from "../../src/backends/stream/pulsar/admin-client.js";
import { parsePulsarConfig } from "../../src/backends/stream/pulsar/pulsar-config.js";
import { createPulsarStream } from "../../src/backends/stream/pulsar/pulsar-stream.js";
import { Topics } from "../../src/backends/stream/types.js";
import { finished, runPw, startPw } from "../e2e/pw.js";
import { pulsarTestSettings, runTag } from "./services-env.js";

const namespace = `public/pwgw-${runTag()}`;
const dir = mkdtempSync(join(tmpdir(), "pw-gw-pulsar-"));
let url = "";
let pulsarEnv: NodeJS.ProcessEnv = {};
let admin: PulsarAdmin;
let token = "";

beforeAll(async () => {
  ({ url, env: pulsarEnv } = pulsarTestSettings(namespace));
  admin = new PulsarAdmin(parsePulsarConfig({ url, env: pulsarEnv }));
  await admin.createNamespace(namespace);
  token = (await runPw(["drones", "add", "d1"], { env: baseEnv() })).stdout.trim();
});

afterAll(async () => {
  await admin?.deleteNamespace(namespace);
  rmSync(dir, { recursive: true, force: true });
});

const baseEnv = (): Record<string, string> => ({
  PW_DATA_DIR: dir,
  PW_DRONE_CREDENTIALS: join(dir, "drones.json"),
});

async function startGateway(env: Record<string, string>, args: string[]) {
  const child = startPw(["ingest", "--listen", "127.0.0.1:0", ...args], env);
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const exit = finished(child, undefined, 120_000);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
    if (match) return { child, url: match[1] as string, exit, stderr: () => stderr };
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(stderr);
    await sleep(50);
  }
}

function post(
  base: string,
  options: { token?: string; body?: string; method?: string; path?: string; agent?: Agent },
): Promise<{ status: number; retryAfter: string | undefined; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(options.path ?? "/v1/reports", base),
      {
        method: options.method ?? "POST",
        headers: options.token ? { Authorization: `Bearer ${options.token}` } : {},
        ...(options.agent && { agent: options.agent }),
      },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => {
          text += c.toString();
        });
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: res.headers["retry-after"],
            body: JSON.parse(text),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

const batch = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      reportId: `${prefix}-${i}`,
      droneId: "d1",
      ts: "2026-11-26T10:00:00Z",
      location: { lat: 48.85, lon: 2.35 },
      citizens: [{ name: "Ann", score: 5 }],
      words: [],
    }),
  ).join("\n");

/** Every reportId on the reports topic of the test namespace. */
async function reportIdsOnTopic(): Promise<string[]> {
  const stream = createPulsarStream({ url, env: pulsarEnv });
  try {
    const reader = await stream.createReader({ topic: Topics.reports, start: "earliest" });
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
      const messages = await reader.read({ maxMessages: 1000, timeoutMs: 1000 });
      if (messages.length === 0) break;
      for (const m of messages) ids.push((JSON.parse(m.value) as { reportId: string }).reportId);
    }
    await reader.close();
    return ids;
  } finally {
    await stream.close();
  }
}

describe("the gateway on Pulsar", () => {
  it("answers 200 only for reports the broker acknowledged, and 429 when too many wait for it", async () => {
    const env = { ...baseEnv(), ...(pulsarEnv as Record<string, string>), PW_STREAM_URL: url };
    const gw = await startGateway(env, ["--max-in-flight", "200"]);
    for (let i = 0; i < 200; i++) {
      if ((await post(gw.url, { method: "GET", path: "/healthz" })).status === 200) break;
      await sleep(100);
    }
    const ok = await post(gw.url, { token, body: batch("ok", 100) });
    expect(ok).toMatchObject({ status: 200, body: { accepted: 100 } });

    // Twenty drones at once on open connections, each with 100 reports: the broker
    // acknowledges asynchronously, so most find the 200-message budget taken.
    const agent = new Agent({ keepAlive: true });
    try {
      await Promise.all(
        Array.from({ length: 20 }, () => post(gw.url, { method: "GET", path: "/healthz", agent })),
      );
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          post(gw.url, { token, agent, body: batch(`c${i}`, 100) }),
        ),
      );
      const statuses = answers.map((a) => a.status);
      expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
      expect(statuses).toContain(200);
      expect(statuses).toContain(429);
      for (const a of answers.filter((x) => x.status === 429)) expect(a.retryAfter).toBe("1");

      gw.child.kill("SIGTERM");
      expect((await gw.exit).code).toBe(0);
      const expected = [
        ...Array.from({ length: 100 }, (_, i) => `ok-${i}`),
        ...answers.flatMap((a, c) =>
          a.status === 200 ? Array.from({ length: 100 }, (_, i) => `c${c}-${i}`) : [],
        ),
      ];
      expect((await reportIdsOnTopic()).sort()).toEqual(expected.sort());
    } finally {
      agent.destroy();
    }
  });

  it("answers 503 with Retry-After, and an unhealthy /healthz, while the broker cannot be reached", async () => {
    const env = {
      ...baseEnv(),
      PW_STREAM_URL: "pulsar://127.0.0.1:1",
      PW_PULSAR_WEB_URL: "http://127.0.0.1:1",
      PW_PULSAR_NAMESPACE: namespace,
    };
    const gw = await startGateway(env, []);
    const answer = await post(gw.url, { token, body: batch("down", 3) });
    expect(answer.status).toBe(503);
    expect(Number(answer.retryAfter)).toBeGreaterThan(0);
    expect(JSON.stringify(answer.body)).not.toMatch(/127\.0\.0\.1:1/); // no internals to drones
    const health = await post(gw.url, { method: "GET", path: "/healthz" });
    expect(health).toMatchObject({ status: 503, body: { status: "unavailable" } });
    // A bad token is refused before the stream is even considered.
    expect((await post(gw.url, { token: "nope", body: batch("x", 1) })).status).toBe(401);
    gw.child.kill("SIGTERM");
    const exit = await gw.exit;
    expect(exit.code).toBe(0);
    expect(exit.stderr).toMatch(/the stream is unavailable, answering 503/);
    expect(exit.stderr).toMatch(/gateway stopped: 3 request\(s\) \(.*503: 2/);
  });
});
