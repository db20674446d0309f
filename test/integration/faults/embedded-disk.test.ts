// Fault test: the embedded backend's data dir fills up, or turns read-only,
// while pw works in it. Every command that meets it fails with one clear line
// naming the directory and the cause (exit 4, no stack trace); afterwards, with
// the fault removed, the log and the store open fine, nothing committed is lost,
// and the pipeline completes with exact counts.
//
// The data dir is a small tmpfs mounted for the test (we run as root: chmod
// would not stop root, a read-only remount does). Where mounting is not
// allowed the tests are skipped, saying why.
// Run: bash scripts/services/with-services.sh npx vitest run --project integration test/integration/faults
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import {
  deadLetters,
  killAll,
  makeWorkload,
  missing,
  type Pw,
  pwOutput,
  requireFreshBuild,
  startPw,
  storedReportIds,
  THRESHOLD,
  type Workload,
} from "./fault-kit.js";

const REPORTS = 12_000;
const BAD_LINES = 6;

function mount(dir: string, options: string): void {
  execFileSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir], { stdio: "pipe" });
}
function remount(dir: string, options: string): void {
  execFileSync("mount", ["-o", `remount,${options}`, dir], { stdio: "pipe" });
}

/** Whether this process may mount a tmpfs (root, or a user namespace that allows it). */
const mountable = ((): string | undefined => {
  const probe = mkdtempSync(join(tmpdir(), "pw-fault-mount-"));
  try {
    mount(probe, "size=1m");
    execFileSync("umount", [probe], { stdio: "pipe" });
    return undefined;
  } catch (error) {
    return (error as Error).message.split("\n")[0];
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
})();
if (mountable !== undefined) {
  process.stderr.write(`faults[embedded disk]: skipped, cannot mount a tmpfs here: ${mountable}\n`);
}

let dataDir: string | undefined;
afterEach(() => {
  killAll();
  if (!dataDir) return;
  execFileSync("umount", [dataDir], { stdio: "pipe" });
  rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

/** A fresh data dir on its own tmpfs of `size`. */
function tmpfsDataDir(size: string): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), "pw-fault-disk-"));
  mount(dir, `size=${size}`);
  dataDir = dir;
  return { dir, env: { PW_DATA_DIR: dir, PW_STREAM_URL: "embedded", PW_STORE_URL: "embedded" } };
}

/** Runs pw to its end; stdin from `input` when given. */
async function run(args: string[], env: NodeJS.ProcessEnv, input?: string) {
  const child = startPw(args, env);
  if (input !== undefined) child.stdin?.end(input);
  else child.stdin?.end();
  const { code } = await child.exited(180_000);
  return { code, stderr: child.stderrText() };
}

/**
 * The failure a user sees: exit 4 and one line, "pw: cannot ... in <dir>...:
 * <cause>", no stack trace. Returns the line.
 */
function expectClearFailure(
  result: { code: number | null; stderr: string },
  dir: string,
  cause: RegExp,
): string {
  const lines = result.stderr.split("\n").filter((l) => l.startsWith("pw: "));
  expect(result.code, result.stderr).toBe(4);
  expect(lines, result.stderr).toHaveLength(1);
  expect(result.stderr, "no stack trace").not.toMatch(/^\s+at /m);
  expect(lines[0]).toContain(dir);
  expect(lines[0]).toMatch(cause);
  return lines[0] as string;
}

/**
 * The log and the catalog pass SQLite's integrity check; once the store has
 * written again (`afterRecovery`), no segment file is unknown to the catalog
 * either (a write cut short leaves an orphan file, removed by the next write).
 */
function expectIntact(dir: string, afterRecovery: boolean): void {
  for (const file of [join(dir, "stream", "log.db"), join(dir, "store", "catalog.db")]) {
    const db = new Database(file, { readonly: true });
    expect(db.pragma("integrity_check", { simple: true }), file).toBe("ok");
    db.close();
  }
  if (!afterRecovery) return;
  const catalog = new Database(join(dir, "store", "catalog.db"), { readonly: true });
  const known = new Set(catalog.prepare("SELECT path FROM segments").pluck().all() as string[]);
  catalog.close();
  const onDisk = readdirSync(join(dir, "store"), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".parquet"));
  expect(onDisk.filter((f) => !known.has(f))).toEqual([]);
}

/** Everything stored once, dead-lettered once, alerted once, checked against the input. */
async function expectComplete(dir: string, env: NodeJS.ProcessEnv, work: Workload, label: string) {
  const ids = await storedReportIds(env);
  const distinct = new Set(ids);
  const dead = await deadLetters(env);
  const catalog = new Database(join(dir, "store", "catalog.db"), { readonly: true });
  const alerted = new Set(
    catalog
      .prepare("SELECT report_id || ' ' || citizen FROM alert_reports")
      .pluck()
      .all() as string[],
  );
  catalog.close();
  process.stderr.write(
    `faults[embedded ${label}]: sent=${work.reportIds.size} stored=${ids.length} distinct=${distinct.size} ` +
      `duplicates=${ids.length - distinct.size} dead-lettered=${dead.total} (injected ${work.invalidLines}) ` +
      `alerts expected=${work.alertPairs.size} raised=${[...work.alertPairs].filter((p) => alerted.has(p)).length}\n`,
  );
  expect(ids.length).toBe(work.reportIds.size);
  expect(distinct.size).toBe(ids.length);
  expect(missing(work.reportIds, distinct)).toEqual([]);
  expect(dead.total).toBe(work.invalidLines);
  expect(alerted).toEqual(work.alertPairs);
}

const ALERTS = ["alerts", "--format", "ndjson", "--threshold", String(THRESHOLD)];

describe.skipIf(mountable !== undefined)("embedded backend on a full or read-only disk", () => {
  it("disk full while ingesting and consuming: clear errors, then it completes exactly", {
    timeout: 300_000,
  }, async () => {
    requireFreshBuild();
    const work = await makeWorkload(REPORTS, 41, BAD_LINES);
    // Room for about a third of the input in the log, less once the store writes too.
    const { dir, env } = tmpfsDataDir("3m");
    const inputDir = mkdtempSync(join(tmpdir(), "pw-fault-input-"));
    const input = join(inputDir, "reports.ndjson");
    writeFileSync(input, `${work.lines.join("\n")}\n`);

    const alerts = startPw(ALERTS, env);
    const archive = startPw(
      ["archive", "--flush-reports", "1000", "--flush-interval", "200ms"],
      env,
    );
    const ingested = await run(["ingest", input], env);
    rmSync(inputDir, { recursive: true, force: true });
    const ingestError = expectClearFailure(ingested, join(dir, "stream"), /the disk is full/);
    // It names where to start again: every line before that one is in the log.
    const from = Number(/ lines? (\d+)/.exec(ingestError)?.[1]);
    expect(from).toBeGreaterThan(1);

    // The consumers meet the full disk too (heartbeat, acks, segments): each one
    // that stops says why in one line; one still running is stopped now.
    const consumerErrors: string[] = [];
    for (const consumer of [alerts, archive] as Pw[]) {
      const ended = await Promise.race([consumer.exited(), sleep(10_000).then(() => undefined)]);
      if (ended === undefined) consumer.kill("SIGTERM");
      const { code } = await consumer.exited(60_000);
      if (code !== 0) {
        consumerErrors.push(
          expectClearFailure(
            { code, stderr: consumer.stderrText() },
            dir,
            /the disk is full|the disk failing, or full/,
          ),
        );
      }
    }

    // The fault removed: the log and the store open, intact, and nothing committed is lost.
    remount(dir, "size=256m");
    expectIntact(dir, false);
    const rest = work.lines.slice(from - 1).join("\n");
    expect((await run(["ingest", "-"], env, `${rest}\n`)).code).toBe(0);
    const finish = await Promise.all([
      run(["archive", "--until-idle"], env),
      run([...ALERTS, "--until-idle"], env),
    ]);
    for (const r of finish) expect(r.code, r.stderr).toBe(0);
    expectIntact(dir, true);
    process.stderr.write(
      `faults[embedded disk full]: ingest: ${ingestError}\n${consumerErrors.map((e) => `consumer: ${e}\n`).join("")}`,
    );
    await expectComplete(dir, env, work, "disk full");
  });

  it("read-only data dir: clear errors, nothing corrupt, then it completes exactly", {
    timeout: 300_000,
  }, async () => {
    requireFreshBuild();
    const work = await makeWorkload(REPORTS, 43, BAD_LINES);
    const { dir, env } = tmpfsDataDir("256m");
    const half = Math.floor(work.lines.length / 2);
    const first = `${work.lines.slice(0, half).join("\n")}\n`;
    const second = `${work.lines.slice(half).join("\n")}\n`;
    expect((await run(["ingest", "-"], env, first)).code).toBe(0);
    expect((await run(["archive", "--until-idle"], env)).code).toBe(0);
    expect((await run([...ALERTS, "--until-idle"], env)).code).toBe(0);

    remount(dir, "ro");
    const refused: string[] = [];
    for (const args of [
      ["ingest", "-"],
      ["archive", "--until-idle"],
      [...ALERTS, "--until-idle"],
    ]) {
      const result = await run(args, env, args[0] === "ingest" ? second : undefined);
      refused.push(expectClearFailure(result, dir, /the file system is read-only/));
    }

    remount(dir, "rw");
    expectIntact(dir, true);
    expect((await run(["ingest", "-"], env, second)).code).toBe(0);
    expect((await run(["archive", "--until-idle"], env)).code).toBe(0);
    expect((await run([...ALERTS, "--until-idle"], env)).code).toBe(0);
    expectIntact(dir, true);
    process.stderr.write(`faults[embedded read-only]:\n${refused.map((e) => `  ${e}\n`).join("")}`);
    await expectComplete(dir, env, work, "read-only");
    // pw status reads through the same backends: it agrees.
    const status = JSON.parse(await pwOutput(["status", "--json"], env)) as {
      reports: { stored: number };
    };
    expect(status.reports.stored).toBe(work.reportIds.size);
  });
});
