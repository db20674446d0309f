import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { freshDataDir, ndjson, runPw } from "./pw.js";

const dirs: string[] = [];
const dataDir = (label: string) => {
  const dir = freshDataDir(label);
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("simulate | ingest, then run --until-idle", () => {
  it("stores all 100000 reports with no backlog and raises alerts", async () => {
    const env = { PW_DATA_DIR: dataDir("100k") };
    const simulated = await runPw(["simulate", "--count", "100000", "--seed", "7"], { env });
    expect(simulated.code).toBe(0);
    const ingested = await runPw(["ingest", "-"], { env, input: simulated.stdout });
    expect(ingested.code).toBe(0);
    expect(ingested.stdout).toBe("");
    expect(ingested.stderr).toMatch(/ingested 100000 report\(s\), dead-lettered 0/);

    const ran = await runPw(["run", "--until-idle"], { env });
    expect(ran.code).toBe(0);
    const alerts = ndjson<{ event: string; citizen: string; location: { lat: number } }>(
      ran.stdout,
    );
    expect(alerts.filter((a) => a.event === "opened").length).toBeGreaterThan(0);
    expect(alerts[0]).toMatchObject({
      citizen: expect.any(String),
      location: { lat: expect.any(Number) },
    });

    const status = JSON.parse((await runPw(["status", "--json"], { env })).stdout);
    expect(status.reports).toEqual({ published: 100000, stored: 100000, deadLettered: 0 });
    expect(status.subscriptions.map((s: { backlog: number }) => s.backlog)).toEqual([0, 0]);
    expect(status.alerts.open).toBeGreaterThan(0);

    // Independent count of what the simulation put in: agitated reports, distinct ids.
    const input = ndjson<{ reportId: string; citizens: { score: number }[] }>(simulated.stdout);
    const distinct = await runPw(
      [
        "query",
        "sql",
        "SELECT count(DISTINCT report_id) AS ids, count(*) FILTER (WHERE min_score < 2) AS agitated FROM reports",
        "--json",
      ],
      { env },
    );
    expect(JSON.parse(distinct.stdout).rows).toEqual([
      {
        ids: new Set(input.map((r) => r.reportId)).size,
        agitated: input.filter((r) => r.citizens.some((c) => c.score < 2)).length,
      },
    ]);
  });
});

const report = (
  id: string,
  drone: string,
  citizens: [string, number][],
  ts = "2026-11-26T10:00:00Z",
) =>
  JSON.stringify({
    reportId: id,
    droneId: drone,
    ts,
    location: { lat: 48.85, lon: 2.35 },
    citizens: citizens.map(([name, score]) => ({ name, score })),
    words: ["hello"],
  });

describe("bad input", () => {
  it("stores every valid report and dead-letters every bad line with its line number and reason", async () => {
    const env = { PW_DATA_DIR: dataDir("mixed") };
    const lines = [
      report("ok-1", "d1", [["Ann", 5]]), //                                       1
      "{not json", //                                                              2
      JSON.stringify({ reportId: "no-drone", ts: "2026-11-26T10:00:00Z" }), //    3
      "", //                                                                       4 (blank: skipped)
      report("ok-2", "d2", [["Bob", 1]]), //                                       5
      report("range", "d1", [["Cid", 11]]), //                                    6
      JSON.stringify({ ...JSON.parse(report("types", "d1", [])), location: { lat: "48", lon: 2 } }), // 7
      JSON.stringify({ ...JSON.parse(report("huge", "d1", [])), words: ["x".repeat(1_100_000)] }), // 8
      report("ok-3", "d3", [], "2026-11-26T12:00:00+02:00"), //                   9
      report("no-offset", "d3", [], "2026-11-26T12:00:00"), //                   10
    ];
    const ingested = await runPw(["ingest", "-"], { env, input: `${lines.join("\n")}\n` });
    expect(ingested.code).toBe(0);
    expect(ingested.stderr).toMatch(/ingested 3 report\(s\), dead-lettered 6/);
    expect((await runPw(["run", "--until-idle"], { env })).code).toBe(0);

    const stored = ndjson<{ reportId: string }>(
      (await runPw(["query", "reports", "--format", "ndjson"], { env })).stdout,
    );
    expect(stored.map((r) => r.reportId).sort()).toEqual(["ok-1", "ok-2", "ok-3"]);

    const dead = ndjson<{ line: number; reason: string; source: string; truncated: boolean }>(
      (await runPw(["dead-letters", "--format", "ndjson"], { env })).stdout,
    );
    expect(dead.map((d) => [d.line, d.reason])).toEqual([
      [2, expect.stringMatching(/malformed JSON/)],
      [3, expect.stringMatching(/droneId: is required/)],
      [6, expect.stringMatching(/citizens\[0\]\.score: must be <= 10/)],
      [7, expect.stringMatching(/location\.lat: must be number/)],
      [8, expect.stringMatching(/over the 1048576 byte limit/)],
      [10, expect.stringMatching(/^ts: must be an ISO-8601 date-time with an offset or Z/)],
    ]);
    expect(dead.every((d) => d.source === "stdin")).toBe(true);
    expect(dead.find((d) => d.line === 8)?.truncated).toBe(true);
  });

  it("exits non-zero with --strict, after publishing the valid reports", async () => {
    const env = { PW_DATA_DIR: dataDir("strict") };
    const run = await runPw(["ingest", "--strict"], {
      env,
      input: `${report("s1", "d1", [])}\n{oops\n`,
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/pw: --strict: 1 invalid record\(s\) were dead-lettered/);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace for a user error
    const status = JSON.parse((await runPw(["status", "--json"], { env })).stdout);
    expect(status.reports).toMatchObject({ published: 1, deadLettered: 1 });
  });

  it("reads historical CSV, quoting and non-ASCII names included, dead-lettering bad rows", async () => {
    const env = { PW_DATA_DIR: dataDir("csv") };
    const csv = [
      "reportId,droneId,ts,lat,lon,citizens,words",
      'c1,d1,2026-11-26T10:00:00Z,48.85,2.35,"Zoë, the Brave:1.5|José ""Pepe"":7",calm day',
      "c2,d1,2026-11-26T10:01:00Z,48.85,north,Ann:5,",
      "c3,d2,2026-11-26T10:02:00Z,48.86,2.36,,",
      "c4,d2,2026-11-26T10:03:00Z,48.86,2.36,Ann:high,loud",
    ].join("\n");
    const ingested = await runPw(["ingest", "--format", "csv", "-"], { env, input: `${csv}\n` });
    expect(ingested.code).toBe(0);
    expect((await runPw(["run", "--until-idle"], { env })).code).toBe(0);
    const stored = ndjson<{
      reportId: string;
      citizens: { name: string; score: number }[];
      words: string[];
    }>((await runPw(["query", "reports", "--format", "ndjson"], { env })).stdout);
    expect(stored.map((r) => r.reportId)).toEqual(["c1", "c3"]);
    expect(stored[0]?.citizens).toEqual([
      { name: "Zoë, the Brave", score: 1.5 },
      { name: 'José "Pepe"', score: 7 },
    ]);
    expect(stored[0]?.words).toEqual(["calm", "day"]);
    const dead = ndjson<{ line: number; reason: string }>(
      (await runPw(["dead-letters", "--format", "ndjson"], { env })).stdout,
    );
    expect(dead.map((d) => [d.line, d.reason])).toEqual([
      [3, "location.lon: must be number"],
      [5, "citizens[0].score: must be number"],
    ]);
    // The CSV export reads back as the same reports.
    const exported = await runPw(["query", "reports", "--format", "csv"], { env });
    expect(exported.stdout.split("\n")[1]).toBe(
      'c1,d1,2026-11-26T10:00:00Z,48.85,2.35,"Zoë, the Brave:1.5|José ""Pepe"":7",calm day',
    );
  });

  it("fails the whole command with a clear message when the CSV header is wrong", async () => {
    const env = { PW_DATA_DIR: dataDir("csv-header") };
    const run = await runPw(["ingest", "--format", "csv"], { env, input: "id,drone\n1,2\n" });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/the CSV header lacks column\(s\) reportId, droneId, ts/);
  });
});

describe("duplicates", () => {
  it("stores a repeated reportId once and alerts once, across ingests", async () => {
    const env = { PW_DATA_DIR: dataDir("dup") };
    const agitated = report("dup-1", "d1", [["Ann", 0.5]]);
    await runPw(["ingest", "-"], { env, input: `${agitated}\n${agitated}\n` });
    const first = await runPw(["run", "--until-idle"], { env });
    await runPw(["ingest", "-"], { env, input: `${agitated}\n` });
    const second = await runPw(["run", "--until-idle"], { env });
    const events = [...ndjson(first.stdout), ...ndjson(second.stdout)];
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ event: "opened", citizen: "Ann", occurrences: 1 });
    const status = JSON.parse((await runPw(["status", "--json"], { env })).stdout);
    expect(status.reports).toMatchObject({ published: 3, stored: 1 });
    expect(status.alerts.open).toBe(1);
  });
});

describe("errors", () => {
  it("names the bad flag value in one line, exit 2, no stack", async () => {
    const run = await runPw(["query", "score-trend", "--interval", "soon"], {
      env: { PW_DATA_DIR: dataDir("flags") },
    });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      'pw: --interval "soon" is not a duration such as 500ms, 30s, 10m, 1h or 7d',
    );
  });

  it("prints the report JSON Schema", async () => {
    const run = await runPw(["schema"]);
    expect(JSON.parse(run.stdout)).toMatchObject({
      title: "pw report v1",
      required: expect.arrayContaining(["reportId"]),
    });
  });
});
