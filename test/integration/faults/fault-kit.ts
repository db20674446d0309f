// Shared tools of the fault tests: real `pw` processes, a workload with a known
// answer, paced feeding, kill loops, and checks computed independently of pw.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach } from "vitest";
import { PulsarAdmin } from "../../../src/backends/stream/pulsar/admin-client.js";
import { parsePulsarConfig } from "../../../src/backends/stream/pulsar/pulsar-config.js";
import {
  dropOpenSearchPrefix,
  pulsarTestSettings,
  requireServiceUrl,
  runTag,
} from "../services-env.js";

export const BIN = fileURLToPath(new URL("../../../bin/run.js", import.meta.url));
const SERVICES = fileURLToPath(new URL("../../../scripts/services/services.sh", import.meta.url));

/** The alert threshold the consumers run with, and the one the expectation is computed with. */
export const THRESHOLD = 2;

/** The binary runs dist/: refuse to test a build older than the sources these tests exercise. */
export function requireFreshBuild(): void {
  const modules = [
    "pipeline/archive-consumer",
    "pipeline/alert-consumer",
    "backends/stream/pulsar/pulsar-consumer",
    "backends/stream/pulsar/pulsar-producer",
    "pipeline/publish-batch",
    "pipeline/retry",
    "pipeline/ingest",
    "backends/storage-errors",
    "backends/stream/embedded/embedded-consumer",
    "backends/store/opensearch/alert-store",
  ];
  for (const module of modules) {
    const dist = fileURLToPath(new URL(`../../../dist/${module}.js`, import.meta.url));
    const src = fileURLToPath(new URL(`../../../src/${module}.ts`, import.meta.url));
    let builtAt = 0;
    try {
      builtAt = statSync(dist).mtimeMs;
    } catch {
      // not built at all
    }
    if (builtAt < statSync(src).mtimeMs) {
      throw new Error("dist/ is missing or older than src/: run `npm run build` first");
    }
  }
}

export interface Pw extends ChildProcess {
  /** Everything the process wrote so far. */
  stdoutText(): string;
  stderrText(): string;
  /** Resolves when the process has exited (at once if it already has). */
  exited(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();

/** Kills every pw process a test started that is still running. */
export function killAll(): void {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
}

// A test that fails half-way must not leave a consumer running.
afterEach(killAll);

/** Starts the real binary; `env` adds to the test process's environment. */
export function startPw(args: readonly string[], env: NodeJS.ProcessEnv): Pw {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  running.add(child);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on("data", (c: Buffer) => out.push(c));
  child.stderr?.on("data", (c: Buffer) => err.push(c));
  child.stdin?.on("error", () => undefined); // it may exit before reading all input
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("close", (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  return Object.assign(child, {
    stdoutText: () => Buffer.concat(out).toString("utf8"),
    stderrText: () => Buffer.concat(err).toString("utf8"),
    exited: async (timeoutMs = 120_000) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `pw ${args.join(" ")} did not exit within ${timeoutMs} ms; stderr: ${Buffer.concat(err).toString().slice(-2000)}`,
              ),
            ),
          timeoutMs,
        );
      });
      try {
        return await Promise.race([closed, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  });
}

/** Runs the binary to completion and returns stdout; fails on a non-zero exit. */
export async function pwOutput(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 120_000,
): Promise<string> {
  const child = startPw(args, env);
  child.stdin?.end();
  const { code, signal } = await child.exited(timeoutMs);
  if (code !== 0) {
    throw new Error(`pw ${args.join(" ")} exited ${code ?? signal}: ${child.stderrText()}`);
  }
  return child.stdoutText();
}

/** Polls `read` until `done`, or fails after `timeoutMs` showing the last value. */
export async function until<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  everyMs = 1000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not reached within ${timeoutMs} ms (last: ${JSON.stringify(value)})`,
      );
    }
    await sleep(everyMs);
  }
}

/** Deterministic pauses in [minMs, maxMs), so a failing run can be replayed. */
export function* pauses(seed: number, minMs: number, maxMs: number): Generator<number> {
  let x = seed;
  for (;;) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    yield minMs + (x % (maxMs - minMs));
  }
}

/** Input with a known answer: simulated reports plus a few lines ingest must dead-letter. */
export interface Workload {
  lines: string[];
  /** reportIds of the valid lines, each once. */
  reportIds: Set<string>;
  invalidLines: number;
  /** 1-based line numbers of the invalid lines, as ingest reads them. */
  invalidLineNumbers: Set<number>;
  /** `reportId citizen` of every agitated sighting: each one must raise an alert event. */
  alertPairs: Set<string>;
  /** Reports with at least one agitated citizen. */
  alertingReports: Set<string>;
}

const BAD_LINES = [
  "this is not JSON",
  '{"reportId":"bad-missing-fields"}',
  '{"reportId":"bad-score","droneId":"pw-x","ts":"2026-11-20T00:00:00Z","location":{"lat":1,"lon":2},"citizens":[{"name":"A","score":11}],"words":[]}',
  '{"reportId":"bad-ts","droneId":"pw-x","ts":"yesterday","location":{"lat":1,"lon":2},"citizens":[],"words":[]}',
  "[1,2,3]",
];

/**
 * `pw simulate` output with `bad` invalid lines spread through it. The expected
 * alerts are computed here from the input, not by pw: a citizen whose score is
 * below THRESHOLD in a report is one agitated sighting (a citizen listed twice
 * in one report counts once).
 */
export async function makeWorkload(count: number, seed: number, bad: number): Promise<Workload> {
  const simulated = await pwOutput(
    [
      "simulate",
      "--count",
      String(count),
      "--seed",
      String(seed),
      "--drones",
      "60",
      "--agitated-ratio",
      "0.3",
      "--start",
      "2026-11-20T00:00:00Z",
    ],
    {},
  );
  const lines = simulated.split("\n").filter((l) => l.trim() !== "");
  const reportIds = new Set<string>();
  const alertPairs = new Set<string>();
  const alertingReports = new Set<string>();
  for (const line of lines) {
    const report = JSON.parse(line) as {
      reportId: string;
      citizens: { name: string; score: number }[];
    };
    reportIds.add(report.reportId);
    for (const c of report.citizens) {
      if (c.score < THRESHOLD) {
        alertPairs.add(`${report.reportId} ${c.name}`);
        alertingReports.add(report.reportId);
      }
    }
  }
  if (reportIds.size !== lines.length) throw new Error("pw simulate repeated a reportId");
  const step = Math.floor(lines.length / (bad + 1));
  for (let i = bad; i >= 1; i--) {
    lines.splice(i * step, 0, BAD_LINES[i % BAD_LINES.length] as string);
  }
  const invalidLineNumbers = new Set<number>();
  lines.forEach((line, i) => {
    if (!line.startsWith('{"reportId":"pw-')) invalidLineNumbers.add(i + 1);
  });
  return { lines, reportIds, invalidLines: bad, invalidLineNumbers, alertPairs, alertingReports };
}

/**
 * Writes lines to a process's stdin at about `perSecond`, in 100 ms slices, and
 * ends it. Stdin backpressure (ingest blocked on the stream) slows it down.
 */
export async function feed(child: Pw, lines: readonly string[], perSecond: number): Promise<void> {
  const stdin = child.stdin as NodeJS.WritableStream;
  const slice = Math.max(1, Math.round(perSecond / 10));
  const started = Date.now();
  const ended = child.exited(24 * 3_600_000);
  for (let i = 0; i < lines.length; i += slice) {
    const chunk = `${lines.slice(i, i + slice).join("\n")}\n`;
    if (!stdin.write(chunk)) {
      // Waits for ingest to read on, or to end (then "drain" never comes).
      await Promise.race([new Promise((resolve) => stdin.once("drain", resolve)), ended]);
    }
    const due = started + ((i + slice) / perSecond) * 1000;
    if (due > Date.now()) await sleep(due - Date.now());
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `pw ingest ended (${child.exitCode ?? child.signalCode}) while being fed, after ${i + slice} of ${lines.length} lines: ${child.stderrText()}`,
      );
    }
  }
  stdin.end();
}

/**
 * Keeps one `pw` consumer running, killing it with SIGKILL after each pause and
 * starting a new one, `kills` times. Resolves with the survivor and everything
 * the killed ones printed on stdout.
 */
export async function killLoop(options: {
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  kills: number;
  pause: Generator<number>;
}): Promise<{ survivor: Pw; killed: Pw[] }> {
  const killed: Pw[] = [];
  let current = startPw(options.args, options.env);
  for (let k = 0; k < options.kills; k++) {
    await sleep(options.pause.next().value as number);
    if (current.exitCode !== null || current.signalCode !== null) {
      throw new Error(
        `pw ${options.args[0]} exited on its own (${current.exitCode}): ${current.stderrText()}`,
      );
    }
    current.kill("SIGKILL");
    const { signal } = await current.exited(10_000);
    if (signal !== "SIGKILL") throw new Error(`pw ${options.args[0]} ended by ${signal}`);
    killed.push(current);
    current = startPw(options.args, options.env);
  }
  return { survivor: current, killed };
}

/** Stops a consumer as an operator would (SIGTERM) and checks it exits cleanly. */
export async function stopCleanly(child: Pw): Promise<void> {
  child.kill("SIGTERM");
  const { code, signal } = await child.exited(60_000);
  if (code !== 0) {
    throw new Error(
      `pw ${child.spawnargs.slice(2, 3).join(" ")} ended with ${code ?? signal} on SIGTERM: ${child.stderrText().slice(-2000)}`,
    );
  }
}

/** The part of `pw status --json` the fault tests read. */
export interface Status {
  reports: { published: number; stored: number; deadLettered: number };
  subscriptions: { name: string; backlog: number; consumers: number }[];
  alertEventsPublished: number;
}

export async function status(env: NodeJS.ProcessEnv): Promise<Status> {
  return JSON.parse(await pwOutput(["status", "--json"], env)) as Status;
}

/**
 * Waits until every valid report is stored and both subscriptions have no
 * backlog; fails at once if one of the `consumers` exits meanwhile.
 */
export async function drained(
  env: NodeJS.ProcessEnv,
  expectedStored: number,
  consumers: readonly Pw[],
  timeoutMs: number,
): Promise<Status> {
  return until(
    "stored = sent and no backlog",
    async () => {
      for (const c of consumers) {
        if (c.exitCode !== null || c.signalCode !== null) {
          throw new Error(
            `pw ${c.spawnargs[2]} exited (${c.exitCode ?? c.signalCode}) before the backlog drained: ${c.stderrText().slice(-2000)}`,
          );
        }
      }
      return status(env);
    },
    (s) =>
      s.reports.stored >= expectedStored &&
      ["alerts", "archive"].every(
        (name) => s.subscriptions.find((sub) => sub.name === name)?.backlog === 0,
      ),
    timeoutMs,
  );
}

/**
 * The dead letters on the stream, read back with `pw dead-letters`: how many,
 * and which input lines they name (a resend after a broker restart may repeat one).
 */
export async function deadLetters(
  env: NodeJS.ProcessEnv,
): Promise<{ total: number; lines: Set<number> }> {
  const out = await pwOutput(["dead-letters", "--format", "ndjson"], env);
  const letters = out
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as { source: string; line: number });
  return { total: letters.length, lines: new Set(letters.map((l) => l.line)) };
}

/** Every stored reportId, exported through `pw query reports` (both stores support it). */
export async function storedReportIds(env: NodeJS.ProcessEnv): Promise<string[]> {
  const out = await pwOutput(["query", "reports", "--format", "ndjson"], env, 300_000);
  return out
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => (JSON.parse(l) as { reportId: string }).reportId);
}

/** `reportId citizen` of every alert event the consumers printed (NDJSON on stdout). */
export function printedAlertPairs(outputs: readonly string[]): Set<string> {
  const pairs = new Set<string>();
  for (const out of outputs) {
    // The text after the last newline is empty, or half a line from a consumer
    // killed mid-write (that event is printed again after the redelivery).
    for (const line of out.split("\n").slice(0, -1)) {
      const event = JSON.parse(line) as { causedBy: string; citizen: string };
      pairs.add(`${event.causedBy} ${event.citizen}`);
    }
  }
  return pairs;
}

/** Members of `a` missing from `b`, at most a few, for failure messages. */
export function missing(a: Iterable<string>, b: ReadonlySet<string>, max = 5): string[] {
  const out: string[] = [];
  for (const x of a) {
    if (!b.has(x)) out.push(x);
    if (out.length >= max) break;
  }
  return out;
}

/** `services.sh down|up NAME` on the shared test servers. */
export async function services(
  action: "down" | "up",
  name: "pulsar" | "opensearch",
): Promise<void> {
  await promisify(execFile)("bash", [SERVICES, action, name], { timeout: 240_000 });
}

/** Where a fault test's pw processes keep their data, and how to clean it up. */
export interface Backend {
  label: string;
  env: NodeJS.ProcessEnv;
  dataDir: string;
  cleanup(): Promise<void>;
}

/** The embedded default: stream and store under a fresh data dir. */
export function embeddedBackend(label: string, dataDir?: string): Backend {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), `pw-fault-${label}-`));
  return {
    label: "embedded",
    env: { PW_DATA_DIR: dir, PW_STREAM_URL: "embedded", PW_STORE_URL: "embedded" },
    dataDir: dir,
    cleanup: async () => {
      killAll();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Pulsar + OpenSearch, from with-services.sh's exports: a namespace and an
 * index prefix of their own, both dropped by `cleanup`.
 */
export async function distributedBackend(label: string): Promise<Backend> {
  const tag = runTag();
  const namespace = `public/pwfault-${tag}`;
  const { url, env: pulsarEnv } = pulsarTestSettings(namespace);
  const openSearchUrl = requireServiceUrl("PW_TEST_OPENSEARCH_URL");
  const prefix = `pwf${tag}-`;
  const admin = new PulsarAdmin(parsePulsarConfig({ url, env: pulsarEnv }));
  await admin.createNamespace(namespace);
  const dir = mkdtempSync(join(tmpdir(), `pw-fault-${label}-`));
  return {
    label: "pulsar+opensearch",
    env: {
      ...pulsarEnv,
      PW_DATA_DIR: dir,
      PW_STREAM_URL: url,
      PW_STORE_URL: openSearchUrl,
      PW_OPENSEARCH_PREFIX: prefix,
    },
    dataDir: dir,
    cleanup: async () => {
      killAll();
      rmSync(dir, { recursive: true, force: true });
      await admin.deleteNamespace(namespace);
      await dropOpenSearchPrefix(openSearchUrl, prefix);
    },
  };
}
