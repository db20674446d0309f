/**
 * Pulsar-backend benchmark, against the local Pulsar (`services.sh up`):
 *   npm run build && npx tsx bench/pulsar.bench.ts
 *
 * 1. Sustained throughput: simulated reports are published through the driver's
 *    producer (WebSocket API) while one `pw archive` process consumes them into
 *    the embedded store; timed from the first send until the store holds every
 *    report.
 * 2. Alert latency: reports are published at 2,000/s while `pw alerts` and
 *    `pw archive` run on Pulsar; latency is publish -> the alert line on the
 *    alert consumer's stdout, measured on one clock in this process.
 *
 * Each run uses a fresh Pulsar namespace (deleted afterwards). Figures are
 * printed and written to bench/results/pulsar.json.
 * Env: PW_BENCH_PULSAR_URL (default pulsar://127.0.0.1:6650), PW_PULSAR_WEB_URL,
 * PW_PULSAR_WS_URL, PW_BENCH_REPORTS (default 200000), PW_BENCH_LATENCY_SECONDS (20).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { PulsarAdmin } from "../src/backends/stream/pulsar/admin-client.js";
import { parsePulsarConfig } from "../src/backends/stream/pulsar/pulsar-config.js";
import { createPulsarStream } from "../src/backends/stream/pulsar/pulsar-stream.js";
import { type Stream, Topics } from "../src/backends/stream/types.js";
import { reportTimeMs } from "../src/domain/report.js";
import { createSimulation } from "../src/domain/simulation/simulation.js";
import { latencySummary, machineInfo, storedCount, writeResults } from "./bench-kit.js";

const BIN = fileURLToPath(new URL("../bin/run.js", import.meta.url));
const PULSAR_URL = process.env.PW_BENCH_PULSAR_URL ?? "pulsar://127.0.0.1:6650";
const THROUGHPUT_REPORTS = Number(process.env.PW_BENCH_REPORTS ?? 200_000);
const LATENCY_RATE = 2_000;
const LATENCY_SECONDS = Number(process.env.PW_BENCH_LATENCY_SECONDS ?? 20);
const BATCH = 1_000;

if (!existsSync(fileURLToPath(new URL("../dist/commands/archive.js", import.meta.url)))) {
  throw new Error("dist/ is missing: run `npm run build` first");
}

/** Runs with its own namespace, so nothing else on the broker is in the way. */
async function withNamespace<T>(
  label: string,
  run: (env: NodeJS.ProcessEnv, stream: Stream) => Promise<T>,
): Promise<T> {
  const namespace = `public/pwbench-${label}-${Date.now().toString(36)}`;
  const env: NodeJS.ProcessEnv = {
    ...(process.env.PW_PULSAR_WEB_URL && { PW_PULSAR_WEB_URL: process.env.PW_PULSAR_WEB_URL }),
    ...(process.env.PW_PULSAR_WS_URL && { PW_PULSAR_WS_URL: process.env.PW_PULSAR_WS_URL }),
    PW_PULSAR_NAMESPACE: namespace,
  };
  const admin = new PulsarAdmin(parsePulsarConfig({ url: PULSAR_URL, env }));
  await admin.createNamespace(namespace);
  const stream = createPulsarStream({ url: PULSAR_URL, env });
  try {
    return await run(env, stream);
  } finally {
    await stream.close();
    await admin.deleteNamespace(namespace);
  }
}

function pw(args: string[], env: NodeJS.ProcessEnv, dataDir: string): ChildProcess {
  return spawn(process.execPath, [BIN, ...args, "--stream", PULSAR_URL, "--data-dir", dataDir], {
    env: { ...process.env, ...env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "inherit"],
  });
}

async function stop(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const force = setTimeout(() => child.kill("SIGKILL"), 30_000);
          child.once("exit", () => {
            clearTimeout(force);
            resolve();
          });
          child.kill("SIGTERM");
        }),
    ),
  );
}

/** Polls until the named subscriptions on `reports` have a consumer (bounded). */
async function waitForConsumers(stream: Stream, names: string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const subs = (await stream.stats(Topics.reports)).subscriptions;
    if (names.every((n) => (subs.find((s) => s.name === n)?.consumers ?? 0) > 0)) return;
    if (Date.now() > deadline) throw new Error(`consumers ${names.join(", ")} did not subscribe`);
    await sleep(100);
  }
}

async function throughput(): Promise<Record<string, number>> {
  return withNamespace("tp", async (env, stream) => {
    const dataDir = mkdtempSync(join(tmpdir(), "pw-bench-pulsar-tp-"));
    const archive = pw(["archive"], env, dataDir);
    archive.stdout?.resume();
    try {
      await waitForConsumers(stream, ["archive"]);
      const sim = createSimulation({
        seed: 5,
        drones: 2_300,
        startMs: Date.parse("2026-11-20T00:00:00Z"),
        droneIntervalMs: 60_000,
        agitatedRatio: 0.005,
      });
      const reports = Array.from({ length: THROUGHPUT_REPORTS }, () => sim.next());
      const producer = await stream.createProducer({ topic: Topics.reports });
      const started = performance.now();
      for (let i = 0; i < reports.length; i += BATCH) {
        await producer.sendBatch(
          reports.slice(i, i + BATCH).map((r) => ({
            key: r.droneId,
            value: JSON.stringify(r),
            eventTime: reportTimeMs(r),
          })),
        );
      }
      const publishedMs = performance.now() - started;
      await producer.close();
      let stored = 0;
      const deadline = Date.now() + 900_000;
      while (stored < THROUGHPUT_REPORTS && Date.now() < deadline) {
        await sleep(250);
        stored = await storedCount(dataDir);
      }
      const elapsedMs = performance.now() - started;
      if (stored < THROUGHPUT_REPORTS) {
        throw new Error(`only ${stored} of ${THROUGHPUT_REPORTS} stored in time`);
      }
      return {
        reports: THROUGHPUT_REPORTS,
        publishPerSecond: Math.round((THROUGHPUT_REPORTS * 1000) / publishedMs),
        endToEndPerSecond: Math.round((THROUGHPUT_REPORTS * 1000) / elapsedMs),
        elapsedSeconds: Math.round(elapsedMs) / 1000,
      };
    } finally {
      await stop([archive]);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
}

async function alertLatency(): Promise<Record<string, number>> {
  return withNamespace("lat", async (env, stream) => {
    const dataDir = mkdtempSync(join(tmpdir(), "pw-bench-pulsar-lat-"));
    const archive = pw(["archive"], env, dataDir);
    archive.stdout?.resume();
    const alerts = pw(["alerts", "--format", "ndjson"], env, dataDir);
    const publishedAt = new Map<string, number>();
    const latencies: number[] = [];
    createInterface({ input: alerts.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      const seenAt = performance.now();
      const { lastReportId } = JSON.parse(line) as { lastReportId: string };
      const sentAt = publishedAt.get(lastReportId);
      if (sentAt !== undefined) latencies.push(seenAt - sentAt);
    });
    try {
      // Subscriptions exist before the load starts, so no backlog is replayed.
      await waitForConsumers(stream, ["archive", "alerts"]);
      const producer = await stream.createProducer({ topic: Topics.reports });
      const sim = createSimulation({
        seed: 9,
        drones: 2_300,
        startMs: Date.now(),
        droneIntervalMs: 60_000,
        agitatedRatio: 0.01,
      });
      const tickMs = 10;
      const maxPerSend = (LATENCY_RATE * tickMs * 5) / 1000;
      const started = performance.now();
      let sent = 0;
      while (performance.now() - started < LATENCY_SECONDS * 1000) {
        const due = Math.floor(((performance.now() - started) / 1000) * LATENCY_RATE) - sent;
        if (due > 0) {
          const batch = Array.from({ length: Math.min(due, maxPerSend) }, () => sim.next());
          const at = performance.now();
          for (const r of batch) {
            if (r.citizens.some((c) => c.score < 2)) publishedAt.set(r.reportId, at);
          }
          await producer.sendBatch(
            batch.map((r) => ({
              key: r.droneId,
              value: JSON.stringify(r),
              eventTime: reportTimeMs(r),
            })),
          );
          sent += batch.length;
        }
        await sleep(tickMs);
      }
      const elapsedMs = performance.now() - started;
      await producer.close();
      // Let the last alerts arrive: bounded wait for the alerts backlog to drain.
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const sub = (await stream.stats(Topics.reports)).subscriptions.find(
          (s) => s.name === "alerts",
        );
        if ((sub?.backlog ?? 0) === 0) break;
        await sleep(100);
      }
      return {
        ratePerSecond: Math.round((sent * 1000) / elapsedMs),
        alertEvents: latencies.length,
        ...latencySummary(latencies),
      };
    } finally {
      await stop([archive, alerts]);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
}

const results = {
  at: new Date().toISOString(),
  machine: machineInfo(),
  stream: "Pulsar 3.0.7 standalone via its WebSocket API (unbatched producer, dedup on)",
  throughput: await throughput(),
  alertLatency: await alertLatency(),
  targets: { endToEndPerSecond: 5_000, alertP99Ms: 100 },
};
writeResults("pulsar", results);
