/**
 * HTTP gateway load benchmark: `npm run bench:gateway`.
 *
 * The real `pw ingest --listen 127.0.0.1:0` on the embedded backend (temp data
 * dir) receives NDJSON batches of simulated reports from CLIENTS concurrent
 * drones, each on a keep-alive connection with its own token, posting its next
 * batch as soon as the previous one was answered. Bounded in count AND time:
 * it stops at PW_BENCH_GATEWAY_REPORTS reports or PW_BENCH_GATEWAY_SECONDS,
 * whichever comes first. Reports/s counts only reports answered 200 (so
 * acknowledged by the stream); latency is per request, send to full answer.
 * Afterwards the stream must hold exactly the accepted reports.
 *
 * Figures are printed and written to bench/results/gateway.json.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { createEmbeddedStream } from "../src/backends/stream/embedded/embedded-stream.js";
import { Topics } from "../src/backends/stream/types.js";
import { createSimulation } from "../src/domain/simulation/simulation.js";
import { addDrone } from "../src/pipeline/drone-registry.js";
import { latencySummary, machineInfo, writeResults } from "./bench-kit.js";

const BIN = fileURLToPath(new URL("../bin/run.js", import.meta.url));
const MAX_REPORTS = Number(process.env.PW_BENCH_GATEWAY_REPORTS ?? 300_000);
const MAX_SECONDS = Number(process.env.PW_BENCH_GATEWAY_SECONDS ?? 60);
const CLIENTS = Number(process.env.PW_BENCH_GATEWAY_CLIENTS ?? 16);
const BATCH = Number(process.env.PW_BENCH_GATEWAY_BATCH ?? 100);
const WARMUP_REQUESTS_PER_CLIENT = 3;

async function startGateway(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, "ingest", "--listen", "127.0.0.1:0"], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const match = /listening on (http:\/\/\S+)/.exec(stderr);
    if (match) return { child, url: match[1] as string };
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(stderr);
    await sleep(50);
  }
}

function post(url: string, token: string, body: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/v1/reports`,
      {
        method: "POST",
        agent,
        headers: {
          Authorization: `Bearer ${token}`,
          "Content-Type": "application/x-ndjson",
          "Content-Length": Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Each client's batches, prepared before timing: its drone's reports, BATCH per request. */
function prepareBatches(perClient: number): { droneId: string; batches: string[] }[] {
  const sim = createSimulation({
    seed: 17,
    drones: CLIENTS,
    startMs: Date.parse("2026-11-20T00:00:00Z"),
    droneIntervalMs: 60_000,
    agitatedRatio: 0.005,
  });
  const lines = new Map<string, string[]>();
  for (let i = 0; i < perClient * CLIENTS; i++) {
    const report = sim.next();
    const list = lines.get(report.droneId) ?? [];
    if (list.length === 0) lines.set(report.droneId, list);
    list.push(JSON.stringify(report));
  }
  return [...lines].map(([droneId, list]) => {
    const batches: string[] = [];
    for (let i = 0; i < list.length; i += BATCH) {
      batches.push(`${list.slice(i, i + BATCH).join("\n")}\n`);
    }
    return { droneId, batches };
  });
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "pw-bench-gw-"));
  const credentials = join(dataDir, "drones.json");
  const perClient =
    Math.ceil(MAX_REPORTS / CLIENTS / BATCH) * BATCH + WARMUP_REQUESTS_PER_CLIENT * BATCH;
  const clients = prepareBatches(perClient).map((c) => ({
    ...c,
    token: addDrone(credentials, c.droneId).token,
  }));
  const env = {
    ...process.env,
    PW_DATA_DIR: dataDir,
    PW_DRONE_CREDENTIALS: credentials,
    NO_COLOR: "1",
  };
  const { child, url } = await startGateway(env);
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  try {
    // Warm-up: connections open, JIT warm; not counted.
    let warmAccepted = 0;
    await Promise.all(
      clients.map(async (c) => {
        for (let i = 0; i < WARMUP_REQUESTS_PER_CLIENT; i++) {
          if ((await post(url, c.token, c.batches[i] as string, agent)) === 200)
            warmAccepted += BATCH;
        }
      }),
    );

    const latencies: number[] = [];
    const statuses: Record<number, number> = {};
    let accepted = 0;
    let requested = 0;
    const started = performance.now();
    const deadline = started + MAX_SECONDS * 1000;
    await Promise.all(
      clients.map(async (c) => {
        for (let i = WARMUP_REQUESTS_PER_CLIENT; i < c.batches.length; i++) {
          if (requested >= MAX_REPORTS || performance.now() >= deadline) return;
          requested += BATCH;
          const sentAt = performance.now();
          const status = await post(url, c.token, c.batches[i] as string, agent);
          latencies.push(performance.now() - sentAt);
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status === 200) accepted += BATCH;
        }
      }),
    );
    const elapsedMs = performance.now() - started;

    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("close", resolve));
    const stream = createEmbeddedStream({ dataDir });
    const published = (await stream.stats(Topics.reports)).published;
    await stream.close();
    if (published !== accepted + warmAccepted) {
      throw new Error(
        `the stream holds ${published} reports but ${accepted + warmAccepted} were answered 200`,
      );
    }
    writeResults("gateway", {
      machine: machineInfo(),
      backend: "embedded",
      clients: CLIENTS,
      reportsPerRequest: BATCH,
      bounds: { maxReports: MAX_REPORTS, maxSeconds: MAX_SECONDS },
      requests: latencies.length,
      statuses,
      acceptedReports: accepted,
      elapsedSeconds: Math.round(elapsedMs) / 1000,
      reportsPerSecond: Math.round((accepted * 1000) / elapsedMs),
      requestLatency: latencySummary(latencies),
      publishedMatchesAccepted: true,
    });
  } finally {
    agent.destroy();
    if (child.exitCode === null) child.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
