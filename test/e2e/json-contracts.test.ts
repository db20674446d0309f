import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freshDataDir, runPw } from "./pw.js";

/**
 * The --json output of each command is a contract for scripts. These snapshots
 * pin its shape (keys and value types, not values), so changing a contract is
 * always a deliberate snapshot update.
 */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? [] : [shapeOf(value[0])];
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, shapeOf(v)]),
    );
  }
  return value === null ? "null" : typeof value;
}

const dataDir = freshDataDir("contracts");
const env = { PW_DATA_DIR: dataDir };
const rules = join(dataDir, "rules.json");
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

beforeAll(async () => {
  const sim = await runPw(
    [
      "simulate",
      "--count",
      "3000",
      "--seed",
      "3",
      "--agitated-ratio",
      "0.05",
      "--start",
      "2026-11-20T00:00:00Z",
    ],
    { env },
  );
  await runPw(["ingest", "-"], { env, input: sim.stdout });
  await runPw(["run", "--until-idle"], { env });
  writeFileSync(
    rules,
    JSON.stringify({ rules: [{ name: "agitated", scoreBelow: 2, severity: "high" }] }),
  );
});

it.each([
  ["status", ["status"]],
  ["query top-agitated", ["query", "top-agitated"]],
  ["query score-trend", ["query", "score-trend"]],
  ["query crowd-trend", ["query", "crowd-trend"]],
  ["query agitated-trend", ["query", "agitated-trend"]],
  ["query sql", ["query", "sql", "SELECT drone_id, count(*) AS n FROM reports GROUP BY ALL"]],
  ["rules check", ["rules", "check", rules]],
  ["rules test", ["rules", "test", rules]],
  ["store prune", ["store", "prune", "--older-than", "3650d", "--dry-run"]],
])("%s --json keeps its shape", async (_name, args) => {
  const run = await runPw([...args, "--json"], { env });
  expect(run.code).toBe(0);
  expect(shapeOf(JSON.parse(run.stdout))).toMatchSnapshot();
});

it("query reports --json streams the reports exactly as received", async () => {
  const run = await runPw(["query", "reports", "--json", "--limit", "2"], { env });
  const reports = JSON.parse(run.stdout) as unknown[];
  expect(reports).toHaveLength(2);
  expect(shapeOf(reports)).toMatchSnapshot();
});
