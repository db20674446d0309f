/**
 * Query benchmark on the embedded store: `npx tsx bench/questions.bench.ts`
 * (PW_BENCH_QUESTION_REPORTS, default 10,000,000). Loads simulated reports
 * straight into a fresh store (the archive consumer's write path, without the
 * stream), then times every question twice (cold, warm), and an NDJSON export.
 * Figures are printed and written to bench/results/questions.json.
 *
 * PW_BENCH_QUESTION_DIR keeps the data set: it is loaded only when that
 * directory holds no store yet and is left in place afterwards, so timing runs
 * repeat without the load (delete it after a change of the store's layout).
 * The load average is printed with the figures: other jobs share the machine.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createEmbeddedStore } from "../src/backends/store/embedded/embedded-store.js";
import type { ArchivedReport } from "../src/backends/store/types.js";
import { createSimulation } from "../src/domain/simulation/simulation.js";
import { machineInfo, writeResults } from "./bench-kit.js";

const REPORTS = Number(process.env.PW_BENCH_QUESTION_REPORTS ?? 10_000_000);
const BATCH = 100_000;
const keptDir = process.env.PW_BENCH_QUESTION_DIR;
const dataDir = keptDir ?? mkdtempSync(join(tmpdir(), "pw-bench-q-"));
if (keptDir) mkdirSync(keptDir, { recursive: true });
const store = createEmbeddedStore({ dataDir });
const start = Date.parse("2026-11-01T00:00:00Z");
const sim = createSimulation({
  seed: 17,
  drones: 2_300,
  startMs: start,
  droneIntervalMs: 60_000,
  agitatedRatio: 0.005,
});

const alreadyStored = (await store.counts()).reports;
if (alreadyStored !== 0 && alreadyStored !== REPORTS) {
  throw new Error(
    `${dataDir} holds ${alreadyStored} reports, not ${REPORTS}: delete it or set PW_BENCH_QUESTION_REPORTS=${alreadyStored}`,
  );
}
const loadStarted = performance.now();
for (let loaded = 0; alreadyStored === 0 && loaded < REPORTS; loaded += BATCH) {
  const batch: ArchivedReport[] = [];
  for (let i = 0; i < Math.min(BATCH, REPORTS - loaded); i++) {
    const report = sim.next();
    batch.push({ report, raw: JSON.stringify(report), receivedAt: Date.parse(report.ts) });
  }
  await store.writeReports(batch);
  if ((loaded / BATCH) % 10 === 0) process.stderr.write(`loaded ${loaded + batch.length}\n`);
}
const loadSeconds = alreadyStored === 0 ? (performance.now() - loadStarted) / 1000 : undefined;
if (loadSeconds === undefined)
  process.stderr.write(`reusing the ${REPORTS} reports in ${dataDir}\n`);
const newest = await store.rawQuery("SELECT epoch_ms(max(ts)) AS newest FROM reports");
const end = Number(newest.rows[0]?.newest);
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
    `${name}: ${timings[name]!.coldMs} ms cold, ${timings[name]!.warmMs} ms warm (load average ${loadAverage()})\n`,
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
  /** 1, 5 and 15 minute load averages when the timings ended: other jobs share the machine. */
  loadAverage: loadAverage(),
  reports: REPORTS,
  load:
    loadSeconds === undefined
      ? "reused a kept data set"
      : { seconds: Math.round(loadSeconds), reportsPerSecond: Math.round(REPORTS / loadSeconds) },
  questions: timings,
  export: { rows: exported, rowsPerSecond: Math.round(exported / exportSeconds) },
  target: "each question <= 1000 ms on 10M reports",
};
await store.close();
if (!keptDir) rmSync(dataDir, { recursive: true, force: true });
writeResults("questions", results);

function loadAverage(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(" ");
}
