import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { geohash } from "../../src/domain/geohash.js";
import type { Report } from "../../src/domain/report.js";
import { finished, freshDataDir, ndjson, runPw, startPw } from "./pw.js";

/**
 * Every question is checked against an independent computation in plain JS
 * over the very reports `pw simulate` produced, not against pw's own output.
 */
const dataDir = freshDataDir("questions");
const env = { PW_DATA_DIR: dataDir };
let input: Report[] = [];
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

beforeAll(async () => {
  const sim = await runPw(
    [
      "simulate",
      "--count",
      "20000",
      "--drones",
      "40",
      "--seed",
      "21",
      "--agitated-ratio",
      "0.03",
      "--start",
      "2026-11-20T00:00:00Z",
    ],
    { env },
  );
  input = ndjson<Report>(sim.stdout);
  // A silent drone: drop pw-0003's reports after its 100th.
  let seen = 0;
  input = input.filter((r) => r.droneId !== "pw-0003" || ++seen <= 100);
  await runPw(["ingest", "-"], {
    env,
    input: `${input.map((r) => JSON.stringify(r)).join("\n")}\n`,
  });
  await runPw(["run", "--until-idle"], { env });
});

const json = async (args: string[]) => {
  const run = await runPw([...args, "--json"], { env });
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
};
const countBy = <T>(items: T[], key: (t: T) => string) => {
  const m = new Map<string, number>();
  for (const i of items) m.set(key(i), (m.get(key(i)) ?? 0) + 1);
  return m;
};
const sightings = () => input.flatMap((r) => r.citizens.map((c) => ({ r, c })));

describe("analysts' questions against an independent computation", () => {
  it("hotspots: agitated sightings per geohash cell", async () => {
    const agitated = countBy(
      sightings().filter(({ c }) => c.score < 2),
      ({ r }) => geohash(r.location.lat, r.location.lon, 5),
    );
    const all = countBy(sightings(), ({ r }) => geohash(r.location.lat, r.location.lon, 5));
    const expected = [...agitated]
      .sort(([a, n], [b, m]) => m - n || a.localeCompare(b))
      .slice(0, 5)
      .map(([cell, n]) => ({ cell, agitatedSightings: n, sightings: all.get(cell) }));
    const got = await json(["query", "hotspots", "--precision", "5", "--limit", "5"]);
    expect(
      got.rows.map((r: { cell: string; agitatedSightings: number; sightings: number }) => ({
        cell: r.cell,
        agitatedSightings: r.agitatedSightings,
        sightings: r.sightings,
      })),
    ).toEqual(expected);
  });

  it("words: count near agitation and lift", async () => {
    const reports = input.map((r) => ({
      agitated: r.citizens.some((c) => c.score < 2),
      words: new Set(r.words.map((w) => w.toLowerCase())),
    }));
    const n = reports.length;
    const na = reports.filter((r) => r.agitated).length;
    const near = new Map<string, number>();
    const anywhere = new Map<string, number>();
    for (const r of reports) {
      for (const w of r.words) {
        anywhere.set(w, (anywhere.get(w) ?? 0) + 1);
        if (r.agitated) near.set(w, (near.get(w) ?? 0) + 1);
      }
    }
    const expected = [...near]
      .filter(([, k]) => k >= 5)
      .map(([word, k]) => ({
        word,
        agitatedReports: k,
        reports: anywhere.get(word)!,
        lift: k / na / (anywhere.get(word)! / n),
      }))
      .sort(
        (a, b) =>
          b.lift - a.lift || b.agitatedReports - a.agitatedReports || a.word.localeCompare(b.word),
      )
      .slice(0, 8);
    const got = await json(["query", "words", "--limit", "8"]);
    expect(got.rows.map((r: { word: string }) => r.word)).toEqual(expected.map((e) => e.word));
    got.rows.forEach(
      (row: { agitatedReports: number; reports: number; lift: number }, i: number) => {
        expect(row.agitatedReports).toBe(expected[i]!.agitatedReports);
        expect(row.reports).toBe(expected[i]!.reports);
        expect(row.lift).toBeCloseTo(expected[i]!.lift, 9);
      },
    );
  });

  it("citizen: the whole timeline of one person", async () => {
    const name = sightings().find(({ c }) => c.score < 2)!.c.name;
    const mine = sightings()
      .filter(({ c }) => c.name === name)
      .sort(
        (a, b) =>
          Date.parse(a.r.ts) - Date.parse(b.r.ts) || a.r.reportId.localeCompare(b.r.reportId),
      );
    const got = await json(["query", "citizen", name]);
    expect(got).toMatchObject({
      citizen: name,
      sightings: mine.length,
      agitatedSightings: mine.filter(({ c }) => c.score < 2).length,
      drones: new Set(mine.map(({ r }) => r.droneId)).size,
    });
    expect(
      got.timeline.map((s: { reportId: string; score: number }) => [s.reportId, s.score]),
    ).toEqual(mine.map(({ r, c }) => [r.reportId, c.score]));
  });

  it("drone: path, cadence and the silence we cut out", async () => {
    const path = input.filter((r) => r.droneId === "pw-0007");
    const got = await json(["query", "drone", "pw-0007"]);
    expect(got).toMatchObject({
      reports: path.length,
      medianIntervalSeconds: 60,
      gaps: [],
      lastBattery: path.at(-1)!.telemetry!.battery,
    });
    expect(got.path.map((p: { lat: number }) => p.lat)).toEqual(path.map((r) => r.location.lat));
  });

  it("coverage: reports per drone per hour, and the drone gone silent", async () => {
    const hour = 3_600_000;
    const expected = countBy(
      input,
      (r) => `${r.droneId} ${new Date(Math.floor(Date.parse(r.ts) / hour) * hour).toISOString()}`,
    );
    const got = await json(["query", "coverage", "--interval", "1h", "--silent", "30m"]);
    expect(got.rows.length).toBe(expected.size);
    for (const row of got.rows as { droneId: string; bucket: string; reports: number }[]) {
      expect(row.reports).toBe(expected.get(`${row.droneId} ${row.bucket}`));
    }
    expect(got.silent.map((s: { droneId: string }) => s.droneId)).toEqual(["pw-0003"]);
  });
});

describe("unlimited export", () => {
  it("an export interrupted and resumed with its token gives the same rows as one run, none twice", async () => {
    const whole = (await runPw(["query", "reports", "--format", "ndjson"], { env })).stdout
      .trim()
      .split("\n");
    expect(whole.length).toBe(input.length);
    const first = startPw(
      ["query", "reports", "--format", "ndjson", "--checkpoint", `${dataDir}/export.token`],
      env,
    );
    let firstOut = "";
    first.stdout?.on("data", (c: Buffer) => {
      firstOut += c.toString();
      if (firstOut.length > 2_000_000 && !first.killed) first.kill("SIGINT");
    });
    const ended = await finished(first);
    const token = /continue with: --resume (\S+)/.exec(ended.stderr)?.[1];
    expect(token).toBeDefined();
    const part1 = firstOut.trim().split("\n");
    expect(part1.length).toBeLessThan(whole.length);
    const part2 = (
      await runPw(["query", "reports", "--format", "ndjson", "--resume", token!], { env })
    ).stdout
      .trim()
      .split("\n");
    expect([...part1, ...part2]).toEqual(whole);
  });
});
