/**
 * OpenSearch store benchmark: `npx tsx bench/opensearch.bench.ts` with OpenSearch
 * up (`bash scripts/services/services.sh up opensearch`, or through
 * scripts/services/with-services.sh, which sets PW_TEST_OPENSEARCH_URL).
 *
 * 1. Archive throughput: simulated reports written with the store's
 *    writeReports in batches of 20,000 (the archive consumer's flush size),
 *    against a raw baseline posting pre-built `_bulk` NDJSON bodies of the very
 *    same documents (reports and sightings) to the same node with the same
 *    request size and concurrency. Each round writes into fresh indices; the
 *    order alternates between rounds and the best round of each side counts.
 * 2. Query times: the same data set in the embedded store and in OpenSearch,
 *    every question timed on both: the first run (OpenSearch's request cache
 *    cleared just before) and the median of 3 repeats (the full export once).
 *
 * Sizes: PW_BENCH_WRITE_REPORTS (default 200,000), PW_BENCH_ROUNDS (3),
 * PW_BENCH_QUERY_REPORTS (default 500,000: what the 2-core dev machine writes to
 * OpenSearch in a few minutes; the 10M is out of reach there). Indices and templates made here
 * carry a unique prefix and are deleted at the end. Figures are printed and
 * written to bench/results/opensearch.json.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEmbeddedStore } from "../src/backends/store/embedded/embedded-store.js";
import { planRequests, serializeOperation } from "../src/backends/store/opensearch/bulk-body.js";
import { DEFAULT_BULK_TUNING } from "../src/backends/store/opensearch/config.js";
import {
  reportDocument,
  sightingId,
  sightingJsons,
} from "../src/backends/store/opensearch/documents.js";
import {
  indexLayout,
  indexTemplates,
  templateNames,
} from "../src/backends/store/opensearch/index-layout.js";
import { createOpenSearchStore } from "../src/backends/store/opensearch/opensearch-store.js";
import type { ArchivedReport, Store } from "../src/backends/store/types.js";
import type { Report } from "../src/domain/report.js";
import { createSimulation } from "../src/domain/simulation/simulation.js";
import { machineInfo, writeResults } from "./bench-kit.js";

const URL_BASE = (
  process.env.PW_TEST_OPENSEARCH_URL ??
  process.env.PW_BENCH_OPENSEARCH_URL ??
  "http://127.0.0.1:9200"
).replace(/\/+$/, "");
const WRITE_REPORTS = Number(process.env.PW_BENCH_WRITE_REPORTS ?? 200_000);
const ROUNDS = Number(process.env.PW_BENCH_ROUNDS ?? 3);
const QUERY_REPORTS = Number(process.env.PW_BENCH_QUERY_REPORTS ?? 500_000);
const BATCH = 20_000;
const HOUR = 3_600_000;
const RUN_TAG = `pwbench${Date.now().toString(36)}-`;
const prefixes: string[] = [];

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function http(method: string, path: string, body?: string, ndjson = false): Promise<unknown> {
  const res = await fetch(`${URL_BASE}${path}`, {
    method,
    headers: { "content-type": ndjson ? "application/x-ndjson" : "application/json" },
    ...(body !== undefined && { body }),
    signal: AbortSignal.timeout(300_000),
  });
  const text = await res.text();
  if (!res.ok && res.status !== 404)
    throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 500)}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

function newPrefix(name: string): string {
  const prefix = `${RUN_TAG}${name}-`;
  prefixes.push(prefix);
  return prefix;
}

async function dropPrefix(prefix: string): Promise<void> {
  await http("DELETE", `/${prefix}*?expand_wildcards=all`);
  for (const name of templateNames(prefix)) await http("DELETE", `/_index_template/${name}`);
}

function simulation(seed: number) {
  return createSimulation({
    seed,
    drones: 2_300,
    startMs: Date.parse("2026-11-20T00:00:00Z"),
    droneIntervalMs: 60_000,
    agitatedRatio: 0.005,
  });
}

function archived(report: Report): ArchivedReport {
  return { report, raw: JSON.stringify(report), receivedAt: Date.parse(report.ts) + 200 };
}

function simulated(count: number, seed: number): ArchivedReport[] {
  const sim = simulation(seed);
  return Array.from({ length: count }, () => archived(sim.next()));
}

function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The same documents the store writes, as `_bulk` bodies cut by the store's default limits. */
function baselineBodies(reports: readonly ArchivedReport[], prefix: string): string[] {
  const layout = indexLayout(prefix);
  const lines: string[] = [];
  for (const archived of reports) {
    const ts = Date.parse(archived.report.ts);
    const doc = reportDocument(archived, ts);
    lines.push(
      serializeOperation({
        action: "create",
        index: layout.reportsIndex(ts),
        id: doc.reportId,
        source: doc,
      }),
    );
    sightingJsons(doc).forEach((sighting, k) => {
      lines.push(
        serializeOperation({
          action: "index",
          index: layout.sightingsIndex(ts),
          id: sightingId(doc.reportId, k),
          sourceJson: sighting,
        }),
      );
    });
  }
  const { maxBytes, maxOperations } = DEFAULT_BULK_TUNING;
  return planRequests(
    lines,
    lines.map((_, i) => i),
    maxBytes,
    maxOperations,
  ).map((request) => request.map((i) => lines[i]).join(""));
}

async function installTemplates(prefix: string): Promise<void> {
  for (const [name, template] of Object.entries(indexTemplates(indexLayout(prefix)))) {
    await http("PUT", `/_index_template/${name}`, JSON.stringify(template));
  }
}

async function documentCount(prefix: string): Promise<number> {
  await http("POST", `/${prefix}*/_refresh`);
  return ((await http("GET", `/${prefix}*/_count`)) as { count: number }).count;
}

/** Raw baseline: pre-built bodies, `concurrency` requests in flight, no per-item work. */
async function baselineRun(reports: readonly ArchivedReport[]): Promise<number> {
  const prefix = newPrefix(`base${prefixes.length}`);
  await installTemplates(prefix);
  const bodies = baselineBodies(reports, prefix);
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const answer = (await http("POST", "/_bulk?filter_path=errors", body, true)) as {
        errors: boolean;
      };
      if (answer.errors) throw new Error("baseline bulk request had item errors");
    }
  };
  await Promise.all(Array.from({ length: DEFAULT_BULK_TUNING.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const sightings = reports.reduce((n, a) => n + a.report.citizens.length, 0);
  if ((await documentCount(prefix)) !== reports.length + sightings)
    throw new Error("baseline lost documents");
  await dropPrefix(prefix);
  return seconds;
}

/** The store, batch after batch as the archive consumer calls it. */
async function storeRun(
  reports: readonly ArchivedReport[],
  prefix = newPrefix(`store${prefixes.length}`),
  keep = false,
): Promise<number> {
  const store = createOpenSearchStore({ url: URL_BASE, indexPrefix: prefix });
  const started = performance.now();
  for (const batch of batches(reports, BATCH)) {
    const result = await store.writeReports(batch);
    if (result.stored !== batch.length) throw new Error(`store wrote ${JSON.stringify(result)}`);
  }
  const seconds = (performance.now() - started) / 1000;
  await store.close();
  if (!keep) await dropPrefix(prefix);
  return seconds;
}

async function archiveThroughput() {
  log(`throughput: simulating ${WRITE_REPORTS} reports`);
  const reports = simulated(WRITE_REPORTS, 11);
  const sightings = reports.reduce((n, a) => n + a.report.citizens.length, 0);
  log("throughput: warm-up");
  await storeRun(simulated(BATCH, 12));
  const baseline: number[] = [];
  const store: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? ["baseline", "store"] : ["store", "baseline"];
    for (const side of order) {
      const seconds = side === "baseline" ? await baselineRun(reports) : await storeRun(reports);
      (side === "baseline" ? baseline : store).push(seconds);
      log(
        `throughput: round ${round + 1} ${side}: ${seconds.toFixed(1)} s, ${Math.round(reports.length / seconds)} reports/s`,
      );
    }
  }
  const best = (runs: number[]) => Math.min(...runs);
  const perSecond = (s: number) => Math.round(reports.length / s);
  return {
    reports: reports.length,
    sightings,
    batchSize: BATCH,
    bulk: DEFAULT_BULK_TUNING,
    rounds: ROUNDS,
    baselineSeconds: baseline.map((s) => Math.round(s * 10) / 10),
    storeSeconds: store.map((s) => Math.round(s * 10) / 10),
    baselineReportsPerSecond: perSecond(best(baseline)),
    storeReportsPerSecond: perSecond(best(store)),
    ratio: Math.round((best(baseline) / best(store)) * 100) / 100,
    target: 0.8,
  };
}

/** Time of one run, and how many rows (or reports) it gave. */
async function timeOnce(run: () => Promise<unknown>): Promise<{ ms: number; rows: number }> {
  const started = performance.now();
  const result = await run();
  const ms = Math.round((performance.now() - started) * 10) / 10;
  return {
    ms,
    rows: typeof result === "number" ? result : Array.isArray(result) ? result.length : 1,
  };
}

/** The first run (OpenSearch's request cache cleared before it), then the median of repeats. */
async function timeQuestion(
  run: () => Promise<unknown>,
  repeats: number,
  before: () => Promise<void>,
) {
  await before();
  const first = await timeOnce(run);
  const again: number[] = [];
  for (let i = 0; i < repeats; i++) again.push((await timeOnce(run)).ms);
  again.sort((a, b) => a - b);
  return {
    rows: first.rows,
    firstMs: first.ms,
    repeatMs: again[Math.floor(again.length / 2)] ?? null,
  };
}

async function countReports(iterable: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const _ of iterable) n++;
  return n;
}

async function queryTimes() {
  const dataDir = mkdtempSync(join(tmpdir(), "pw-bench-os-"));
  const embedded = createEmbeddedStore({ dataDir });
  const prefix = newPrefix("query");
  const writer = createOpenSearchStore({ url: URL_BASE, indexPrefix: prefix });
  // Simulated and written batch by batch, so memory stays flat at any size.
  log(`queries: writing ${QUERY_REPORTS} simulated reports to both stores`);
  const sim = simulation(21);
  let first = Number.NaN;
  let last = Number.NaN;
  let sightings = 0;
  let drone = "";
  let citizen = "";
  let writeSeconds = 0;
  for (let written = 0; written < QUERY_REPORTS; written += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, QUERY_REPORTS - written) }, () =>
      archived(sim.next()),
    );
    for (const { report } of batch) {
      sightings += report.citizens.length;
      citizen ||= report.citizens.find((c) => c.score < 2)?.name ?? "";
    }
    if (written === 0) {
      first = Date.parse(batch[0]!.report.ts);
      drone = batch[5]!.report.droneId;
    }
    last = Date.parse(batch.at(-1)!.report.ts);
    await embedded.writeReports(batch);
    const started = performance.now();
    const result = await writer.writeReports(batch);
    writeSeconds += (performance.now() - started) / 1000;
    if (result.stored !== batch.length) throw new Error(`store wrote ${JSON.stringify(result)}`);
    if ((written / BATCH) % 10 === 9) log(`queries: ${written + batch.length} written`);
  }
  await writer.close();
  const opensearch = createOpenSearchStore({ url: URL_BASE, indexPrefix: prefix });
  const middle = { since: first + (last - first) / 4, until: first + (3 * (last - first)) / 4 };
  const questions: [string, (s: Store) => Promise<unknown>, number][] = [
    ["counts", (s) => s.counts(), 3],
    ["reports: full export", (s) => countReports(s.reports({})), 0],
    ["reports: one drone", (s) => countReports(s.reports({ drone })), 3],
    ["reports: one citizen", (s) => countReports(s.reports({ citizen })), 3],
    [
      "reports: within 1 km",
      (s) => countReports(s.reports({ near: { lat: 48.86, lon: 2.34, km: 1 } })),
      3,
    ],
    [
      "reports: middle half, first 1000",
      (s) => countReports(s.reports({ ...middle, limit: 1000 })),
      3,
    ],
    ["top-agitated (threshold 2, top 20)", (s) => s.topAgitated({ threshold: 2, limit: 20 }), 3],
    ["score-trend 1h", (s) => s.scoreTrend({ intervalMs: HOUR }), 3],
    ["score-trend 1m", (s) => s.scoreTrend({ intervalMs: 60_000 }), 3],
    ["crowd-trend 1h", (s) => s.crowdTrend({ intervalMs: HOUR }), 3],
    ["crowd-trend 1m, middle half", (s) => s.crowdTrend({ intervalMs: 60_000, ...middle }), 3],
    [
      "agitated-trend 1h (threshold 2)",
      (s) => s.agitatedTrend({ intervalMs: HOUR, threshold: 2 }),
      3,
    ],
    [
      "agitated-trend 1m (threshold 4)",
      (s) => s.agitatedTrend({ intervalMs: 60_000, threshold: 4 }),
      3,
    ],
  ];
  // OpenSearch caches aggregation answers per shard until the index changes:
  // the first run is timed without that cache, repeats show it at work.
  const clearRequestCache = async () => {
    await http("POST", `/${prefix}*/_cache/clear?request=true`);
  };
  const rows = [];
  for (const [question, run, repeats] of questions) {
    const e = await timeQuestion(
      () => run(embedded),
      repeats,
      async () => undefined,
    );
    const o = await timeQuestion(() => run(opensearch), repeats, clearRequestCache);
    if (e.rows !== o.rows)
      throw new Error(`${question}: embedded gave ${e.rows} rows, OpenSearch ${o.rows}`);
    const { rows: count, ...embeddedMs } = e;
    const { rows: _, ...opensearchMs } = o;
    rows.push({ question, rows: count, embedded: embeddedMs, opensearch: opensearchMs });
    log(
      `queries: ${question}: ${count} rows; first run: embedded ${e.firstMs} ms, OpenSearch ${o.firstMs} ms; repeated: embedded ${e.repeatMs} ms, OpenSearch ${o.repeatMs} ms`,
    );
  }
  await embedded.close();
  await opensearch.close();
  rmSync(dataDir, { recursive: true, force: true });
  return {
    reports: QUERY_REPORTS,
    sightings,
    spanHours: Math.round(((last - first) / HOUR) * 10) / 10,
    openSearchWriteSeconds: Math.round(writeSeconds * 10) / 10,
    questions: rows,
  };
}

try {
  const server = (await http("GET", "/")) as { version: { number: string } };
  const results = {
    at: new Date().toISOString(),
    machine: machineInfo(),
    opensearch: { url: URL_BASE, version: server.version.number },
    archiveThroughput: await archiveThroughput(),
    queries: QUERY_REPORTS > 0 ? await queryTimes() : "skipped (PW_BENCH_QUERY_REPORTS=0)",
  };
  writeResults("opensearch", results);
} finally {
  for (const prefix of prefixes) await dropPrefix(prefix);
}
