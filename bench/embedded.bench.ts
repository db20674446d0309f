/**
 * Embedded-backend benchmark: `npm run bench`.
 *
 * 1. Sustained throughput: a file of simulated reports goes through the real
 *    processes, `pw ingest` -> `pw archive` + `pw alerts` running side by side,
 *    timed from the start of ingest until the store holds every report.
 * 2. Alert latency: reports are published at 2,000/s while `pw alerts` and
 *    `pw archive` run; latency is publish -> the alert line on the alert
 *    consumer's stdout, measured on one clock in this process.
 *
 * Figures are printed and written to bench/results/embedded.json.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { createEmbeddedStream } from "../src/backends/stream/embedded/embedded-stream.js";
import { Topics } from "../src/backends/stream/types.js";
import { createSimulation } from "../src/domain/simulation/simulation.js";
import { latencySummary, machineInfo, storedCount, writeResults } from "./bench-kit.js";

const BIN = fileURLToPath(new URL("../bin/run.js", import.meta.url));
const THROUGHPUT_REPORTS = Number(process.env.PW_BENCH_REPORTS ?? 300_000);
const LATENCY_RATE = 2_000;
const LATENCY_SECONDS = Number(process.env.PW_BENCH_LATENCY_SECONDS ?? 20);

function pw(args: string[], dataDir: string): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, PW_DATA_DIR: dataDir, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "inherit"],
  });
}

async function output(child: ChildProcess): Promise<string> {
  let text = "";
  child.stdout?.on("data", (c: Buffer) => {
    text += c.toString();
  });
  await new Promise((resolve) => child.on("close", resolve));
  return text;
}

function simulatedLines(count: number, agitatedRatio: number): string {
  const sim = createSimulation({
    seed: 5,
    drones: 2_300,
    startMs: Date.parse("2026-11-20T00:00:00Z"),
    droneIntervalMs: 60_000,
    agitatedRatio,
  });
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(JSON.stringify(sim.next()));
  return `${lines.join("\n")}\n`;
}

async function throughput(): Promise<Record<string, number>> {
  const dataDir = mkdtempSync(join(tmpdir(), "pw-bench-tp-"));
  const input = join(dataDir, "input.ndjson");
  writeFileSync(input, simulatedLines(THROUGHPUT_REPORTS, 0.005));
  const started = performance.now();
  const archive = pw(["archive"], dataDir);
  const alerts = pw(["alerts", "--format", "ndjson"], dataDir);
  alerts.stdout?.resume();
  const ingest = pw(["ingest", input], dataDir);
  const ingestDone = new Promise<number>((resolve) =>
    ingest.on("close", () => resolve(performance.now())),
  );
  let stored = 0;
  const deadline = Date.now() + 600_000;
  while (stored < THROUGHPUT_REPORTS && Date.now() < deadline) {
    await sleep(250);
    stored = await storedCount(dataDir);
  }
  const elapsedMs = performance.now() - started;
  const ingestMs = (await ingestDone) - started;
  archive.kill("SIGTERM");
  alerts.kill("SIGTERM");
  await Promise.all([output(archive), output(alerts)]);
  rmSync(dataDir, { recursive: true, force: true });
  if (stored < THROUGHPUT_REPORTS)
    throw new Error(`only ${stored} of ${THROUGHPUT_REPORTS} stored in time`);
  return {
    reports: THROUGHPUT_REPORTS,
    ingestPerSecond: Math.round((THROUGHPUT_REPORTS * 1000) / ingestMs),
    endToEndPerSecond: Math.round((THROUGHPUT_REPORTS * 1000) / elapsedMs),
    elapsedSeconds: Math.round(elapsedMs) / 1000,
  };
}

async function alertLatency(): Promise<Record<string, number>> {
  const dataDir = mkdtempSync(join(tmpdir(), "pw-bench-lat-"));
  mkdirSync(dataDir, { recursive: true });
  const stream = createEmbeddedStream({ dataDir });
  const producer = await stream.createProducer({ topic: Topics.reports });
  // Subscriptions exist before the load starts, so no backlog is replayed.
  const archive = pw(["archive"], dataDir);
  const alerts = pw(["alerts", "--format", "ndjson"], dataDir);
  const publishedAt = new Map<string, number>();
  const latencies: number[] = [];
  createInterface({ input: alerts.stdout! }).on("line", (line) => {
    const seenAt = performance.now();
    const { causedBy } = JSON.parse(line) as { causedBy: string };
    const sentAt = publishedAt.get(causedBy);
    if (sentAt !== undefined) latencies.push(seenAt - sentAt);
  });
  await sleep(2_000); // let both consumers start and subscribe

  const sim = createSimulation({
    seed: 9,
    drones: 2_300,
    startMs: Date.now(),
    droneIntervalMs: 60_000,
    agitatedRatio: 0.01,
  });
  const tickMs = 10;
  const perTick = (LATENCY_RATE * tickMs) / 1000;
  const started = performance.now();
  let sent = 0;
  while (performance.now() - started < LATENCY_SECONDS * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * LATENCY_RATE) - sent;
    if (due > 0) {
      const batch = Array.from({ length: Math.min(due, perTick * 5) }, () => sim.next());
      const at = performance.now();
      for (const r of batch)
        if (r.citizens.some((c) => c.score < 2)) publishedAt.set(r.reportId, at);
      await producer.sendBatch(batch.map((r) => ({ key: r.droneId, value: JSON.stringify(r) })));
      sent += batch.length;
    }
    await sleep(tickMs);
  }
  await sleep(1_000);
  archive.kill("SIGTERM");
  alerts.kill("SIGTERM");
  await Promise.all([output(archive), output(alerts)]);
  await stream.close();
  rmSync(dataDir, { recursive: true, force: true });
  return {
    ratePerSecond: Math.round((sent * 1000) / (LATENCY_SECONDS * 1000)),
    alertEvents: latencies.length,
    ...latencySummary(latencies),
  };
}

const results = {
  at: new Date().toISOString(),
  machine: machineInfo(),
  throughput: await throughput(),
  alertLatency: await alertLatency(),
  targets: { endToEndPerSecond: 20_000, alertP99Ms: 50 },
};
writeResults("embedded", results);
