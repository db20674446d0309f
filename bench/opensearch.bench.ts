/**
 * OpenSearch store benchmark: `npx tsx bench/opensearch.bench.ts` with OpenSearch
 * up (`bash scripts/services/services.sh up opensearch`, or through
 * scripts/services/with-services.sh, which sets PW_TEST_OPENSEARCH_URL;
 * PW_BENCH_OPENSEARCH_URL, when set, wins: e.g. a private node on another port).
 *
 * 1. Archive throughput: simulated reports written with the store's
 *    writeReports in batches of 20,000 (the archive consumer's flush size),
 *    against a raw baseline posting pre-built `_bulk` NDJSON bodies of the very
 *    same documents (reports and sightings) to the same node with the same
 *    request size and concurrency. Each round writes into fresh indices; the
 *    order alternates between rounds and the best round of each side counts.
 *    PW_BENCH_ROUNDS=0 skips it (the results file then keeps the previous
 *    run's figures, with `measuredAt`).
 * 2. Query times: the same simulated reports (seed 21) in the embedded store
 *    and in OpenSearch, each written with its store's own writeReports in
 *    batches of 20,000. Every question is timed on both: the first run with
 *    caches cleared just before (OpenSearch: `_cache/clear` on the indices,
 *    i.e. request, query and fielddata caches; embedded: the store closed and
 *    opened again, so DuckDB starts cold; the OS page cache stays warm for
 *    both), then the median of 3 repeats (the export once, of at most
 *    PW_BENCH_EXPORT_LIMIT reports, default 1,000,000). os.loadavg() is
 *    printed and recorded with the figures: other work on the machine shows.
 *
 * The query data can be kept and reused, as 10M reports take OpenSearch over
 * an hour to index on the shared 2-core dev machine:
 * - PW_BENCH_QUERY_PREFIX=<prefix>: fixed prefix of the query indices. A run
 *   that finds them complete (a marker document in `<prefix>bench-meta` naming
 *   the same data set, and the report and sighting counts it records) skips the
 *   OpenSearch load; an interrupted load resumes from its last checkpoint
 *   (every 200,000 reports; writes are idempotent). Never deleted by the bench.
 * - PW_BENCH_QUERY_DIR=<dir>: the embedded store's data dir, reused likewise
 *   (marker `<dir>/bench-meta.json`, only `<dir>/store` and the marker are
 *   ever deleted), and rebuilt by itself whenever the embedded store's source
 *   (src/backends/store/embedded/*.ts) changed since it was written, as its
 *   on-disk layout may have changed.
 * - PW_BENCH_REBUILD=embedded|opensearch|all: reload that side even if complete.
 * - PW_BENCH_KEEP=1: keep the query indices and data dir of a run without a
 *   fixed prefix or dir (they are deleted at the end otherwise).
 * - PW_BENCH_LOAD_ONLY=opensearch|embedded|all: load (or check) that side's
 *   query data, print the load figures and stop: no timing, no results file.
 *   Two such runs, one per side, may load both sides at the same time.
 * While loading, OpenSearch's daily indices get `refresh_interval: -1` and
 * `translog.durability: async` (a bench-only template: pw's own plus those two
 * settings, one priority above it). Afterwards both are reset to pw's
 * (OpenSearch's defaults), the indices refreshed, and the merges pw's merge
 * policy asks for are run to the end (`_forcemerge` without a segment count),
 * so none runs while timing; PW_BENCH_FORCE_MERGE=1 merges each index down to
 * one segment instead. Mappings and all other settings are pw's; replicas are
 * 0 already on a single node (pw's `auto_expand_replicas: 0-1`).
 *
 * Sizes: PW_BENCH_WRITE_REPORTS (default 200,000), PW_BENCH_ROUNDS (3),
 * PW_BENCH_QUERY_REPORTS (default 500,000; the issue's 10,000,000 needs the
 * reuse above, see the load figures and sizes in bench/results/opensearch.json).
 * Indices and templates made with a run's own unique prefix are deleted at the
 * end. Figures are printed and written to bench/results/opensearch.json.
 *
 * The 10M comparison (loads what is missing, reuses what is there):
 *   PW_BENCH_OPENSEARCH_URL=http://127.0.0.1:9201 PW_BENCH_ROUNDS=0 \
 *   PW_BENCH_QUERY_REPORTS=10000000 PW_BENCH_QUERY_PREFIX=pwbench-q10m- \
 *   PW_BENCH_QUERY_DIR=/work/bench-data/embedded-10m npx tsx bench/opensearch.bench.ts
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
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
  process.env.PW_BENCH_OPENSEARCH_URL ??
  process.env.PW_TEST_OPENSEARCH_URL ??
  "http://127.0.0.1:9200"
).replace(/\/+$/, "");
const WRITE_REPORTS = Number(process.env.PW_BENCH_WRITE_REPORTS ?? 200_000);
const ROUNDS = Number(process.env.PW_BENCH_ROUNDS ?? 3);
const QUERY_REPORTS = Number(process.env.PW_BENCH_QUERY_REPORTS ?? 500_000);
const QUERY_PREFIX = process.env.PW_BENCH_QUERY_PREFIX || undefined;
const QUERY_DIR = process.env.PW_BENCH_QUERY_DIR || undefined;
const KEEP = process.env.PW_BENCH_KEEP === "1";
const REBUILD = process.env.PW_BENCH_REBUILD ?? "";
const LOAD_ONLY = process.env.PW_BENCH_LOAD_ONLY ?? "";
const FORCE_MERGE = process.env.PW_BENCH_FORCE_MERGE === "1";
/** The export question streams at most this many reports (timed once). */
const EXPORT_LIMIT = Number(process.env.PW_BENCH_EXPORT_LIMIT ?? 1_000_000);
const BATCH = 20_000;
/** The OpenSearch load records how far it got every this many reports. */
const CHECKPOINT = 200_000;
const HOUR = 3_600_000;
const QUERY_SEED = 21;
const SIMULATION = {
  drones: 2_300,
  startMs: Date.parse("2026-11-20T00:00:00Z"),
  droneIntervalMs: 60_000,
  agitatedRatio: 0.005,
};
const RUN_TAG = `pwbench${Date.now().toString(36)}-`;
const prefixes: string[] = [];
const benchStarted = performance.now();

for (const [name, value] of [
  ["PW_BENCH_REBUILD", REBUILD],
  ["PW_BENCH_LOAD_ONLY", LOAD_ONLY],
]) {
  if (!["", "embedded", "opensearch", "all"].includes(value!))
    throw new Error(`${name} must be embedded, opensearch or all, not "${value}"`);
}

function log(line: string): void {
  const minutes = ((performance.now() - benchStarted) / 60_000).toFixed(1);
  process.stderr.write(`[${minutes} min, load ${loadAverage().join(" ")}] ${line}\n`);
}

/** os.loadavg() (1, 5 and 15 minutes), to 0.01. */
function loadAverage(): number[] {
  return loadavg().map((l) => Math.round(l * 100) / 100);
}

async function http(
  method: string,
  path: string,
  body?: string,
  ndjson = false,
  timeoutMs = 300_000,
): Promise<unknown> {
  const res = await fetch(`${URL_BASE}${path}`, {
    method,
    headers: { "content-type": ndjson ? "application/x-ndjson" : "application/json" },
    ...(body !== undefined && { body }),
    signal: AbortSignal.timeout(timeoutMs),
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
  for (const name of [...templateNames(prefix), ...loadTemplateNames(prefix)])
    await http("DELETE", `/_index_template/${name}`);
}

function simulation(seed: number) {
  return createSimulation({ seed, ...SIMULATION });
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

/** What the query data is made of: kept data is reused only for the very same. */
const DATASET = {
  seed: QUERY_SEED,
  ...SIMULATION,
  reports: QUERY_REPORTS,
  batchSize: BATCH,
  receivedAfterMs: 200,
};

/** What the questions need to know of the data, found while simulating it. */
interface DataSummary {
  sightings: number;
  first: number;
  last: number;
  drone: string;
  citizen: string;
}

/** How far a side's load got, and what it holds; kept beside the data. */
interface LoadMarker {
  dataset: typeof DATASET;
  /** Reports written, in simulation order: a resumed load starts there. */
  loaded: number;
  complete: boolean;
  summary?: DataSummary;
  /** Time in writeReports, summed over resumed loads. */
  writeSeconds: number;
  /** OpenSearch: resetting the load settings, refreshing and merging after the load. */
  finishSeconds?: number;
  /** OpenSearch: merged down to one segment per index after the load (PW_BENCH_FORCE_MERGE=1). */
  forceMerged?: boolean;
  /** os.loadavg() (1 min) at each checkpoint of the load. */
  loadSamples: number[];
  /** Embedded: hash of the store's source it was written with. */
  codeHash?: string;
  loadedAt?: string;
}

/** One store being loaded with the query data. */
interface LoadingSide {
  name: string;
  /** Reports already written by an earlier, interrupted load. */
  start: number;
  write(batch: readonly ArchivedReport[]): Promise<void>;
  checkpoint(loaded: number): Promise<void>;
  finish(summary: DataSummary): Promise<void>;
}

interface PreparedSide {
  marker: LoadMarker;
  reused: boolean;
  /** Present when the data has to be (re)loaded. */
  loading?: LoadingSide;
}

const sameDataset = (marker: LoadMarker) =>
  JSON.stringify(marker.dataset) === JSON.stringify(DATASET);

function freshMarker(): LoadMarker {
  return { dataset: DATASET, loaded: 0, complete: false, writeSeconds: 0, loadSamples: [] };
}

function loadTemplateNames(prefix: string): string[] {
  return [`${prefix}bench-load-reports`, `${prefix}bench-load-sightings`];
}

const markerPath = (prefix: string) => `/${prefix}bench-meta/_doc/load`;

async function readOpenSearchMarker(prefix: string): Promise<LoadMarker | undefined> {
  const answer = (await http("GET", markerPath(prefix))) as
    | { found?: boolean; _source?: { marker: string } }
    | undefined;
  return answer?.found && answer._source
    ? (JSON.parse(answer._source.marker) as LoadMarker)
    : undefined;
}

async function writeOpenSearchMarker(prefix: string, marker: LoadMarker): Promise<void> {
  await http("PUT", markerPath(prefix), JSON.stringify({ marker: JSON.stringify(marker) }));
}

/** Index settings only while loading; reset to pw's (null: OpenSearch's default) afterwards. */
const LOAD_SETTINGS = { refresh_interval: "-1", "translog.durability": "async" };

/**
 * pw's report and sighting templates with LOAD_SETTINGS, one priority above
 * pw's, so the daily indices the load creates take them.
 */
async function installLoadTemplates(prefix: string): Promise<void> {
  const layout = indexLayout(prefix);
  const pw = indexTemplates(layout);
  const [reportsName, sightingsName] = loadTemplateNames(prefix);
  for (const [name, template] of [
    [reportsName!, pw[`${prefix}reports`]!],
    [sightingsName!, pw[`${prefix}sightings`]!],
  ] as const) {
    const settings = { ...template.template.settings, ...LOAD_SETTINGS };
    const body = {
      ...template,
      priority: template.priority + 1,
      template: { ...template.template, settings },
      _meta: { managed_by: "pw bench: loading only" },
    };
    await http("PUT", `/_index_template/${name}`, JSON.stringify(body));
  }
}

/** Polls a task started with wait_for_completion=false. */
async function awaitTask(task: string): Promise<void> {
  for (;;) {
    const answer = (await http("GET", `/_tasks/${task}`)) as {
      completed?: boolean;
      error?: unknown;
    };
    if (answer.error) throw new Error(`task ${task} failed: ${JSON.stringify(answer.error)}`);
    if (answer.completed) return;
    await new Promise((resolve) => setTimeout(resolve, 5_000));
  }
}

async function indexStats(pattern: string) {
  const answer = (await http("GET", `/${pattern}/_stats/docs,store,segments`)) as {
    _all: {
      primaries: {
        docs?: { count: number };
        store?: { size_in_bytes: number };
        segments?: { count: number };
      };
    };
    indices?: Record<string, unknown>;
  };
  const p = answer._all.primaries;
  return {
    indices: Object.keys(answer.indices ?? {}).length,
    docs: p.docs?.count ?? 0,
    bytes: p.store?.size_in_bytes ?? 0,
    segments: p.segments?.count ?? 0,
  };
}

async function openSearchSizes(prefix: string) {
  const layout = indexLayout(prefix);
  const reports = await indexStats(layout.reportsPattern);
  const sightings = await indexStats(layout.sightingsPattern);
  return { reports, sightings, totalBytes: reports.bytes + sightings.bytes };
}

async function prepareOpenSearch(prefix: string, rebuild: boolean): Promise<PreparedSide> {
  let marker = rebuild ? undefined : await readOpenSearchMarker(prefix);
  if (marker && !sameDataset(marker)) {
    log(`opensearch: ${prefix}* hold another data set: reloading`);
    marker = undefined;
  }
  if (marker?.complete) {
    const store = createOpenSearchStore({ url: URL_BASE, indexPrefix: prefix });
    const counts = await store.counts();
    await store.close();
    if (counts.reports === QUERY_REPORTS && counts.sightings === marker.summary?.sightings) {
      log(
        `opensearch: reusing ${prefix}* (${counts.reports} reports, ${counts.sightings} sightings)`,
      );
      return { marker, reused: true };
    }
    log(`opensearch: ${prefix}* hold ${JSON.stringify(counts)}, not what was loaded: reloading`);
    marker = undefined;
  }
  if (marker) {
    log(`opensearch: resuming the load of ${prefix}* at report ${marker.loaded}`);
  } else {
    await dropPrefix(prefix);
    marker = freshMarker();
    await http(
      "PUT",
      `/${prefix}bench-meta`,
      JSON.stringify({
        settings: { number_of_shards: 1, number_of_replicas: 0 },
        mappings: { dynamic: false },
      }),
    );
    await writeOpenSearchMarker(prefix, marker);
  }
  await installLoadTemplates(prefix);
  const current = marker;
  const writer = createOpenSearchStore({ url: URL_BASE, indexPrefix: prefix });
  let seconds = 0;
  const loading: LoadingSide = {
    name: "opensearch",
    start: marker.loaded,
    async write(batch) {
      const started = performance.now();
      const result = await writer.writeReports(batch);
      seconds += (performance.now() - started) / 1000;
      // A resumed load rewrites what followed its last checkpoint: duplicates there are expected.
      if (result.stored + result.duplicates !== batch.length || result.rejected.length > 0)
        throw new Error(`store wrote ${JSON.stringify(result)}`);
    },
    async checkpoint(loaded) {
      current.loaded = loaded;
      current.writeSeconds += seconds;
      seconds = 0;
      current.loadSamples.push(loadAverage()[0]!);
      await writeOpenSearchMarker(prefix, current);
    },
    async finish(summary) {
      await writer.close();
      current.writeSeconds += seconds;
      current.loaded = QUERY_REPORTS;
      log(`opensearch: load written in ${Math.round(current.writeSeconds)} s; finishing indices`);
      const started = performance.now();
      for (const name of loadTemplateNames(prefix))
        await http("DELETE", `/_index_template/${name}`);
      const { reportsPattern, sightingsPattern } = indexLayout(prefix);
      const indices = `${reportsPattern},${sightingsPattern}`;
      await http(
        "PUT",
        `/${indices}/_settings`,
        JSON.stringify({
          index: Object.fromEntries(Object.keys(LOAD_SETTINGS).map((key) => [key, null])),
        }),
      );
      await http("POST", `/${indices}/_refresh`);
      // Without max_num_segments, a force merge only runs the merges pw's merge
      // policy asks for: waiting for it means no merge runs while timing.
      const { task } = (await http(
        "POST",
        `/${indices}/_forcemerge?wait_for_completion=false${FORCE_MERGE ? "&max_num_segments=1" : ""}`,
      )) as { task: string };
      await awaitTask(task);
      await http("POST", `/${indices}/_refresh`);
      current.finishSeconds = Math.round((performance.now() - started) / 100) / 10;
      current.forceMerged = FORCE_MERGE;
      const store = createOpenSearchStore({ url: URL_BASE, indexPrefix: prefix });
      const counts = await store.counts();
      await store.close();
      if (counts.reports !== QUERY_REPORTS || counts.sightings !== summary.sightings)
        // Only a node crash while loading (async translog) loses acknowledged writes.
        throw new Error(
          `opensearch holds ${JSON.stringify(counts)} after the load: rerun with PW_BENCH_REBUILD=opensearch`,
        );
      current.complete = true;
      current.summary = summary;
      current.loadedAt = new Date().toISOString();
      await writeOpenSearchMarker(prefix, current);
      log(`opensearch: finished in ${current.finishSeconds} s`);
    },
  };
  return { marker, reused: false, loading };
}

/** Changes to the embedded store's code may change its files: such data is rebuilt. */
function embeddedCodeHash(): string {
  const dir = fileURLToPath(new URL("../src/backends/store/embedded/", import.meta.url));
  const hash = createHash("sha256");
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith(".ts") || name.endsWith(".test.ts")) continue;
    hash.update(name).update(readFileSync(join(dir, name)));
  }
  return hash.digest("hex").slice(0, 16);
}

function directoryBytes(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((n, name) => n + directoryBytes(join(path, name)), 0);
}

async function prepareEmbedded(dataDir: string, rebuild: boolean): Promise<PreparedSide> {
  const markerFile = join(dataDir, "bench-meta.json");
  const codeHash = embeddedCodeHash();
  let marker =
    !rebuild && existsSync(markerFile)
      ? (JSON.parse(readFileSync(markerFile, "utf8")) as LoadMarker)
      : undefined;
  if (marker && !(marker.complete && sameDataset(marker))) {
    log(`embedded: ${dataDir} holds another or an incomplete data set: rebuilding`);
    marker = undefined;
  } else if (marker && marker.codeHash !== codeHash) {
    log(`embedded: the store's code changed since ${dataDir} was written: rebuilding`);
    marker = undefined;
  }
  if (marker) {
    const store = createEmbeddedStore({ dataDir });
    const counts = await store.counts();
    await store.close();
    if (counts.reports === QUERY_REPORTS && counts.sightings === marker.summary?.sightings) {
      log(`embedded: reusing ${dataDir} (${counts.reports} reports)`);
      return { marker, reused: true };
    }
    log(`embedded: ${dataDir} holds ${JSON.stringify(counts)}: rebuilding`);
  }
  // Only what this bench puts there: the dir itself may be the user's.
  rmSync(markerFile, { force: true });
  rmSync(join(dataDir, "store"), { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const current = { ...freshMarker(), codeHash };
  const store = createEmbeddedStore({ dataDir });
  const loading: LoadingSide = {
    name: "embedded",
    start: 0,
    async write(batch) {
      const started = performance.now();
      const result = await store.writeReports(batch);
      current.writeSeconds += (performance.now() - started) / 1000;
      if (result.stored !== batch.length) throw new Error(`store wrote ${JSON.stringify(result)}`);
    },
    async checkpoint() {
      current.loadSamples.push(loadAverage()[0]!);
    },
    async finish(summary) {
      const counts = await store.counts();
      await store.close();
      if (counts.reports !== QUERY_REPORTS || counts.sightings !== summary.sightings)
        throw new Error(`embedded holds ${JSON.stringify(counts)} after the load`);
      Object.assign(current, {
        loaded: QUERY_REPORTS,
        complete: true,
        summary,
        loadedAt: new Date().toISOString(),
      });
      writeFileSync(markerFile, `${JSON.stringify(current, null, 2)}\n`);
      log(`embedded: loaded in ${Math.round(current.writeSeconds)} s`);
    },
  };
  return { marker: current, reused: false, loading };
}

/** Simulates the query data once, writing each batch to every side that needs it. */
async function loadSides(sides: readonly LoadingSide[]): Promise<DataSummary> {
  log(`queries: loading ${QUERY_REPORTS} simulated reports into ${sides.map((s) => s.name)}`);
  const sim = simulation(QUERY_SEED);
  const summary: DataSummary = { sightings: 0, first: 0, last: 0, drone: "", citizen: "" };
  for (let written = 0; written < QUERY_REPORTS; written += BATCH) {
    const size = Math.min(BATCH, QUERY_REPORTS - written);
    const writers = sides.filter((side) => written >= side.start);
    // Batches every side already holds are only simulated (the summary needs them).
    const reports = Array.from({ length: size }, () => sim.next());
    for (const report of reports) {
      summary.sightings += report.citizens.length;
      summary.citizen ||= report.citizens.find((c) => c.score < 2)?.name ?? "";
    }
    if (written === 0) {
      summary.first = Date.parse(reports[0]!.ts);
      summary.drone = reports[5]!.droneId;
    }
    summary.last = Date.parse(reports.at(-1)!.ts);
    if (writers.length > 0) {
      const batch = reports.map(archived);
      for (const side of writers) await side.write(batch);
    }
    const loaded = written + size;
    if (loaded % CHECKPOINT === 0 && writers.length > 0) {
      for (const side of writers) await side.checkpoint(loaded);
      log(`queries: ${loaded} written`);
    }
  }
  for (const side of sides) await side.finish(summary);
  return summary;
}

const tempDirs: string[] = [];

/** Both stores holding the query data, loaded now or reused. */
async function prepareQueryData() {
  const rebuilds = (side: string) => REBUILD === side || REBUILD === "all";
  const loads = (side: string) => LOAD_ONLY === "" || LOAD_ONLY === side || LOAD_ONLY === "all";
  let prefix = QUERY_PREFIX;
  if (!prefix && loads("opensearch")) prefix = KEEP ? `${RUN_TAG}query-` : newPrefix("query");
  let dataDir = QUERY_DIR;
  if (!dataDir && loads("embedded")) {
    dataDir = mkdtempSync(join(tmpdir(), "pw-bench-os-"));
    if (!KEEP) tempDirs.push(dataDir);
  }
  const opensearch =
    prefix && loads("opensearch")
      ? await prepareOpenSearch(prefix, rebuilds("opensearch"))
      : undefined;
  const embedded =
    dataDir && loads("embedded") ? await prepareEmbedded(dataDir, rebuilds("embedded")) : undefined;
  const loading = [opensearch?.loading, embedded?.loading].filter((s) => s !== undefined);
  let summary = opensearch?.marker.summary ?? embedded?.marker.summary;
  if (loading.length > 0) summary = await loadSides(loading);
  if (!summary) throw new Error("no query data");
  for (const side of [opensearch, embedded]) {
    if (side && JSON.stringify(side.marker.summary) !== JSON.stringify(summary))
      throw new Error("the embedded and OpenSearch query data differ; rebuild one side");
  }
  if (opensearch && (KEEP || QUERY_PREFIX)) log(`queries: kept PW_BENCH_QUERY_PREFIX=${prefix}`);
  if (embedded && (KEEP || QUERY_DIR)) log(`queries: kept PW_BENCH_QUERY_DIR=${dataDir}`);
  const seconds = (s: number) => Math.round(s * 10) / 10;
  const average = (xs: number[]) =>
    xs.length > 0 ? Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 100) / 100 : null;
  const load = {
    opensearch: opensearch && {
      reused: opensearch.reused,
      loadedAt: opensearch.marker.loadedAt,
      writeSeconds: seconds(opensearch.marker.writeSeconds),
      reportsPerSecond: Math.round(QUERY_REPORTS / opensearch.marker.writeSeconds),
      finishSeconds: opensearch.marker.finishSeconds,
      forceMergedToOneSegment: opensearch.marker.forceMerged ?? false,
      loadAverageDuringLoad: average(opensearch.marker.loadSamples),
      ...(await openSearchSizes(prefix ?? "")),
    },
    embedded: embedded && {
      reused: embedded.reused,
      loadedAt: embedded.marker.loadedAt,
      writeSeconds: seconds(embedded.marker.writeSeconds),
      reportsPerSecond: Math.round(QUERY_REPORTS / embedded.marker.writeSeconds),
      loadAverageDuringLoad: average(embedded.marker.loadSamples),
      totalBytes: directoryBytes(join(dataDir ?? "", "store")),
    },
  };
  return { prefix, dataDir, summary, load };
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

/** The first run (caches cleared before it), then the median of repeats. */
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

function printTable(rows: { question: string; rows: number; cells: (number | null)[] }[]): void {
  const header = ["question", "rows", "emb first", "emb median", "OS first", "OS median"];
  const lines = rows.map((r) => [
    r.question,
    String(r.rows),
    ...r.cells.map((ms) => (ms === null ? "-" : `${ms} ms`)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  log(`queries: comparison (ms)\n${[header, ...lines].map(format).join("\n")}`);
}

async function queryTimes() {
  const { prefix, dataDir, summary, load } = await prepareQueryData();
  if (!(prefix && dataDir)) throw new Error("no query data");
  const { first, last, drone, citizen } = summary;
  let embedded = createEmbeddedStore({ dataDir });
  const opensearch = createOpenSearchStore({ url: URL_BASE, indexPrefix: prefix });
  const middle = { since: first + (last - first) / 4, until: first + (3 * (last - first)) / 4 };
  const questions: [string, (s: Store) => Promise<unknown>, number][] = [
    ["counts", (s) => s.counts(), 3],
    ["count reports: middle half", (s) => s.countReports(middle), 3],
    [
      QUERY_REPORTS > EXPORT_LIMIT
        ? `reports: export, first ${EXPORT_LIMIT}`
        : "reports: full export",
      (s) => countReports(s.reports({ limit: EXPORT_LIMIT })),
      0,
    ],
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
    [
      "top-agitated, last 24h",
      (s) => s.topAgitated({ threshold: 2, limit: 20, since: last - 24 * HOUR }),
      3,
    ],
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
    [
      "hotspots p6 (threshold 2, top 10)",
      (s) => s.hotspots({ precision: 6, threshold: 2, limit: 10 }),
      3,
    ],
    [
      "words (threshold 2, lift, top 20)",
      (s) => s.words({ threshold: 2, limit: 20, minAgitatedReports: 5, sort: "lift" }),
      3,
    ],
    ["citizen sightings", (s) => s.citizenSightings(citizen, {}), 3],
    ["drone reports", (s) => s.droneReports(drone, {}), 3],
    ["coverage 1h", (s) => s.coverage({ intervalMs: HOUR }), 3],
    ["silent drones (10 min)", (s) => s.silentDrones({ silentMs: 10 * 60_000 }), 3],
  ];
  // OpenSearch caches aggregation answers per shard until the index changes, and
  // DuckDB keeps what it read in its process: the first run is timed without
  // either, repeats show them at work.
  const clearOpenSearchCaches = async () => {
    await http("POST", `/${prefix}*/_cache/clear`);
  };
  const reopenEmbedded = async () => {
    await embedded.close();
    embedded = createEmbeddedStore({ dataDir });
  };
  const loadBefore = loadAverage();
  log(`queries: timing ${questions.length} questions`);
  const rows = [];
  for (const [question, run, repeats] of questions) {
    const loadAverage1m = loadAverage()[0]!;
    const e = await timeQuestion(() => run(embedded), repeats, reopenEmbedded);
    const o = await timeQuestion(() => run(opensearch), repeats, clearOpenSearchCaches);
    if (e.rows !== o.rows)
      log(`queries: WARNING ${question}: embedded gave ${e.rows} rows, OpenSearch ${o.rows}`);
    const { rows: count, ...embeddedMs } = e;
    const { rows: opensearchRows, ...opensearchMs } = o;
    rows.push({
      question,
      rows: count,
      ...(opensearchRows !== count && { opensearchRows }),
      embedded: embeddedMs,
      opensearch: opensearchMs,
      loadAverage1m,
    });
    log(
      `queries: ${question}: ${count} rows; first run: embedded ${e.firstMs} ms, OpenSearch ${o.firstMs} ms; repeated: embedded ${e.repeatMs} ms, OpenSearch ${o.repeatMs} ms`,
    );
  }
  const loadAfter = loadAverage();
  await embedded.close();
  await opensearch.close();
  printTable(
    rows.map((r) => ({
      question: r.question,
      rows: r.rows,
      cells: [r.embedded.firstMs, r.embedded.repeatMs, r.opensearch.firstMs, r.opensearch.repeatMs],
    })),
  );
  log(`queries: load average (1, 5, 15 min) before timing ${loadBefore}, after ${loadAfter}`);
  return {
    reports: QUERY_REPORTS,
    sightings: summary.sightings,
    spanHours: Math.round(((last - first) / HOUR) * 10) / 10,
    openSearchWriteSeconds: load.opensearch?.writeSeconds,
    load,
    loadAverage: { beforeTiming: loadBefore, afterTiming: loadAfter },
    firstRun:
      "OpenSearch: _cache/clear on the query indices; embedded: store closed and opened again (OS page cache warm for both)",
    questions: rows,
  };
}

/** With the throughput rounds skipped, the previous run's figures stay in the results. */
function previousThroughput(): unknown {
  const file = fileURLToPath(new URL("results/opensearch.json", import.meta.url));
  if (!existsSync(file)) return "skipped (PW_BENCH_ROUNDS=0)";
  const previous = JSON.parse(readFileSync(file, "utf8")) as {
    at?: string;
    archiveThroughput?: unknown;
  };
  const figures = previous.archiveThroughput;
  if (typeof figures !== "object" || figures === null) return "skipped (PW_BENCH_ROUNDS=0)";
  return { ...figures, measuredAt: (figures as { measuredAt?: string }).measuredAt ?? previous.at };
}

try {
  const server = (await http("GET", "/")) as { version: { number: string } };
  log(`OpenSearch ${server.version.number} at ${URL_BASE}`);
  if (LOAD_ONLY) {
    const { prefix, dataDir, load } = await prepareQueryData();
    process.stdout.write(`${JSON.stringify({ prefix, dataDir, load }, null, 2)}\n`);
  } else {
    const results = {
      at: new Date().toISOString(),
      machine: machineInfo(),
      opensearch: { url: URL_BASE, version: server.version.number },
      archiveThroughput: ROUNDS > 0 ? await archiveThroughput() : previousThroughput(),
      queries: QUERY_REPORTS > 0 ? await queryTimes() : "skipped (PW_BENCH_QUERY_REPORTS=0)",
    };
    writeResults("opensearch", results);
  }
} finally {
  for (const prefix of prefixes) await dropPrefix(prefix);
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
}
