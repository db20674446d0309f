import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import { afterAll, expect, it } from "vitest";
import { finished, freshDataDir, ndjson, runPw, startPw } from "./pw.js";

const REPORTS = 200_000;
const KILLS = 15;
const dataDir = freshDataDir("crash");
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Deterministic pauses, so a failure can be replayed. */
function* pauses(seed: number): Generator<number> {
  let x = seed;
  for (;;) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    yield 300 + (x % 1200);
  }
}

it(`stores each of ${REPORTS} reports exactly once while the archive consumer is killed -9 ${KILLS} times`, async () => {
  const env = { PW_DATA_DIR: dataDir };
  const simulated = await runPw(
    ["simulate", "--count", String(REPORTS), "--seed", "11", "--start", "2026-11-20T00:00:00Z"],
    { env },
  );
  const input = join(dataDir, "input.ndjson");
  writeFileSync(input, simulated.stdout);
  const ingest = finished(startPw(["ingest", input], env), undefined, 240_000);

  // Kill archive consumers at random moments while ingest is still publishing and after.
  let killed = 0;
  const pause = pauses(42);
  while (killed < KILLS) {
    const archive = startPw(
      ["archive", "--flush-reports", "4000", "--flush-interval", "150ms"],
      env,
    );
    await sleep(pause.next().value as number);
    archive.kill("SIGKILL");
    const ended = await finished(archive);
    expect(ended.signal).toBe("SIGKILL");
    killed++;
  }
  const ingested = await ingest;
  expect(ingested.code).toBe(0);

  const last = await runPw(["archive", "--until-idle"], { env, timeoutMs: 240_000 });
  expect(last.code).toBe(0);

  const totals = JSON.parse(
    (
      await runPw(
        [
          "query",
          "sql",
          "SELECT count(*) AS n, count(DISTINCT report_id) AS d, count(DISTINCT filename) AS files FROM reports",
          "--json",
        ],
        { env },
      )
    ).stdout,
  ).rows[0] as { n: number; d: number; files: number };
  const ids = (
    await runPw(
      ["query", "sql", "SELECT report_id FROM reports ORDER BY report_id", "--format", "csv"],
      { env },
    )
  ).stdout
    .trim()
    .split("\n")
    .slice(1);
  const expected = ndjson<{ reportId: string }>(simulated.stdout)
    .map((r) => r.reportId)
    .sort();
  const status = JSON.parse((await runPw(["status", "--json"], { env })).stdout);
  process.stderr.write(
    `crash test: sent ${REPORTS}, archive killed ${killed} times, stored ${totals.n} (${totals.d} distinct) in ${totals.files} segments, backlog ${status.subscriptions[0]?.backlog}\n`,
  );
  expect(totals).toMatchObject({ n: REPORTS, d: REPORTS });
  expect(ids).toEqual(expected);
  expect(status.subscriptions.find((s: { name: string }) => s.name === "archive")?.backlog).toBe(0);
  // Nothing a killed writer left behind remains on disk: every segment file is one
  // the catalog knows (live, or merged away by compaction and awaiting deletion).
  const catalog = new Database(join(dataDir, "store", "catalog.db"), { readonly: true });
  const known = new Set(catalog.prepare("SELECT path FROM segments").pluck().all() as string[]);
  catalog.close();
  const onDisk = readdirSync(join(dataDir, "store"), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".parquet"));
  expect(onDisk.filter((f) => !known.has(f))).toEqual([]);
  expect(onDisk.length).toBeGreaterThanOrEqual(totals.files);
});
