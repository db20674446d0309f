/**
 * Query benchmark on the embedded store: `npx tsx bench/questions.bench.ts`
 * (PW_BENCH_QUESTION_REPORTS, default 10,000,000). Loads simulated reports
 * straight into a fresh store (the archive consumer's write path, without the
 * stream), then times every question twice (cold, warm), and an NDJSON export.
 * Figures are printed and written to bench/results/questions.json.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEmbeddedStore } from "../src/backends/store/embedded/embedded-store.js";
import type { ArchivedReport } from "../src/backends/store/types.js";
import { createSimulation } from "../src/domain/simulation/simulation.js";
import { machineInfo, writeResults } from "./bench-kit.js";

const REPORTS = Number(process.env.PW_BENCH_QUESTION_REPORTS ?? 10_000_000);
const BATCH = 100_000;
const dataDir = mkdtempSync(join(tmpdir(), "pw-bench-q-"));
const store = createEmbeddedStore({ dataDir });
const start = Date.parse("2026-11-01T00:00:00Z");
const sim = createSimulation({
  seed: 17,
  drones: 2_300,
  startMs: start,
  droneIntervalMs: 60_000,
  agitatedRatio: 0.005,
});

const loadStarted = performance.now();
for (let loaded = 0; loaded < REPORTS; loaded += BATCH) {
  const batch: ArchivedReport[] = [];
  for (let i = 0; i < Math.min(BATCH, REPORTS - loaded); i++) {
    const report = sim.next();
    batch.push({ report, raw: JSON.stringify(report), receivedAt: Date.parse(report.ts) });
  }
  await store.writeReports(batch);
  if ((loaded / BATCH) % 10 === 0) process.stderr.write(`loaded ${loaded + batch.length}\n`);
}
const loadSeconds = (performance.now() - loadStarted) / 1000;
const lastReport = sim.next();
const end = Date.parse(lastReport.ts);
const some = (await store.topAgitated({ threshold: 2, limit: 1 }))[0]?.citizen ?? "nobody";

const HOUR = 3_600_000;
const questions: [string, () => Promise<unknown>][] = [
  ["top-agitated", () => store.topAgitated({ threshold: 2, limit: 10 })],
  ["score-trend 1h", () => store.scoreTrend({ intervalMs: HOUR })],
  ["crowd-trend 1h", () => store.crowdTrend({ intervalMs: HOUR })],
  ["agitated-trend 1h", () => store.agitatedTrend({ intervalMs: HOUR, threshold: 2 })],
  ["hotspots p6", () => store.hotspots({ precision: 6, threshold: 2, limit: 10 })],
  ["words", () => store.words({ threshold: 2, limit: 20, minAgitatedReports: 5, sort: "lift" })],
  ["citizen", () => store.citizenSightings(some, {})],
  ["drone", () => store.droneReports("pw-0007", {})],
  ["coverage 1h", () => store.coverage({ intervalMs: HOUR })],
  ["silent drones", () => store.silentDrones({ silentMs: 10 * 60_000 })],
  [
    "top-agitated last 24h",
    () => store.topAgitated({ threshold: 2, limit: 10, since: end - 24 * HOUR }),
  ],
  ["count reports", () => store.countReports({})],
];
const timings: Record<string, { coldMs: number; warmMs: number }> = {};
for (const [name, run] of questions) {
  const t0 = performance.now();
  await run();
  const t1 = performance.now();
  await run();
  timings[name] = { coldMs: Math.round(t1 - t0), warmMs: Math.round(performance.now() - t1) };
  process.stderr.write(
    `${name}: ${timings[name]!.coldMs} ms cold, ${timings[name]!.warmMs} ms warm\n`,
  );
}
const exportRows = Math.min(REPORTS, 1_000_000);
const exportStarted = performance.now();
let exported = 0;
for await (const report of store.reports({ limit: exportRows }))
  exported += JSON.stringify(report).length > 0 ? 1 : 0;
const exportSeconds = (performance.now() - exportStarted) / 1000;

const results = {
  at: new Date().toISOString(),
  machine: machineInfo(),
  reports: REPORTS,
  load: { seconds: Math.round(loadSeconds), reportsPerSecond: Math.round(REPORTS / loadSeconds) },
  questions: timings,
  export: { rows: exported, rowsPerSecond: Math.round(exported / exportSeconds) },
  target: "each question <= 1000 ms on 10M reports",
};
await store.close();
rmSync(dataDir, { recursive: true, force: true });
writeResults("questions", results);
