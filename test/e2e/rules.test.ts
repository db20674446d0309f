import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { finished, freshDataDir, ndjson, runPw, startPw } from "./pw.js";

const dirs: string[] = [];
const dir = (label: string) => {
  const d = freshDataDir(label);
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const report = (id: string, minute: number, citizens: [string, number][], words: string[] = []) =>
  JSON.stringify({
    reportId: id,
    droneId: "pw-0001",
    ts: new Date(Date.parse("2026-11-26T10:00:00Z") + minute * 60_000).toISOString(),
    location: { lat: 48.85, lon: 2.35 },
    citizens: citizens.map(([name, score]) => ({ name, score })),
    words,
  });

describe("pw rules", () => {
  it("check names what is wrong: JSON syntax by line and column, bad fields by path", async () => {
    const d = dir("rules-check");
    const broken = join(d, "broken.json");
    writeFileSync(broken, '{\n  "rules": [\n    {"name": "x",}\n  ]\n}\n');
    const syntax = await runPw(["rules", "check", broken]);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(/is not valid JSON at line 3, column \d+/);
    const wrong = join(d, "wrong.json");
    writeFileSync(
      wrong,
      JSON.stringify({
        cooldown: "later",
        rules: [{ name: "a", scoreBelow: 20, severity: "huge" }],
      }),
    );
    const fields = await runPw(["rules", "check", wrong]);
    expect(fields.code).toBe(2);
    expect(fields.stderr).toMatch(
      /cooldown: .*rules\[0\]\.scoreBelow: must be a number in \(0, 10\].*rules\[0\]\.severity/,
    );
    const good = join(d, "good.json");
    writeFileSync(
      good,
      JSON.stringify({ rules: [{ name: "calm-down", scoreBelow: 3, severity: "low" }] }),
    );
    const ok = await runPw(["rules", "check", good]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/ok, 1 rule\(s\), cooldown 10 min/);
  });

  it("test replays stored reports and predicts what the live consumer raised with the same rules", async () => {
    const d = dir("rules-test");
    const env = { PW_DATA_DIR: d };
    const rules = join(d, "rules.json");
    writeFileSync(
      rules,
      JSON.stringify({
        cooldown: "10m",
        rules: [
          { name: "agitated", scoreBelow: 2, severity: "high" },
          { name: "threats", scoreBelow: 4, severity: "critical", words: ["knife"] },
        ],
      }),
    );
    const lines = [
      report("a", 0, [["Ann", 1]]), //                        Ann opens (agitated)
      report("b", 5, [["Ann", 1.5]]), //                      folds into Ann's alert
      report("c", 30, [["Ann", 1]]), //                       cooldown over: a new alert
      report("d", 31, [["Bob", 3.5]], ["drop", "the", "knife"]), // threats
      report("e", 32, [["Cid", 3.5]], ["bread"]), //          no rule matches
    ];
    await runPw(["ingest", "-"], { env, input: `${lines.join("\n")}\n` });
    const live = await runPw(["run", "--until-idle", "--rules", rules], { env });
    const events = ndjson<{ event: string; rule: string }>(live.stdout);
    const backtest = JSON.parse((await runPw(["rules", "test", rules, "--json"], { env })).stdout);
    expect(backtest).toMatchObject({ reports: 5, alerts: 3 });
    expect(backtest.rules).toEqual([
      { rule: "threats", severity: "critical", alerts: 1, repeats: 0, citizens: 1 },
      { rule: "agitated", severity: "high", alerts: 2, repeats: 1, citizens: 1 },
    ]);
    for (const row of backtest.rules) {
      expect(events.filter((e) => e.rule === row.rule && e.event === "opened")).toHaveLength(
        row.alerts,
      );
    }
  });

  it("the live consumer reloads an edited rules file, and keeps the old rules through a bad edit", async () => {
    const d = dir("rules-reload");
    const env = { PW_DATA_DIR: d };
    const rules = join(d, "rules.json");
    writeFileSync(rules, JSON.stringify({ rules: [{ name: "strict", scoreBelow: 2 }] }));
    const consumer = startPw(["alerts", "--rules", rules, "--format", "ndjson"], env);
    let stdout = "";
    let stderr = "";
    consumer.stdout?.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    consumer.stderr?.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    const waitFor = async (check: () => boolean, ms = 20_000) => {
      const end = Date.now() + ms;
      while (!check() && Date.now() < end) await sleep(50);
      return check();
    };
    await runPw(["ingest", "-"], { env, input: `${report("r1", 0, [["Ann", 3]])}\n` });
    await sleep(1500); // give the consumer time to (not) alert on a score of 3
    expect(stdout).toBe("");

    writeFileSync(rules, "{ this is not json");
    expect(await waitFor(() => stderr.includes("kept the previous rules"))).toBe(true);
    writeFileSync(rules, JSON.stringify({ rules: [{ name: "lenient", scoreBelow: 4 }] }));
    expect(await waitFor(() => stderr.includes("rules reloaded"))).toBe(true);

    await runPw(["ingest", "-"], { env, input: `${report("r2", 1, [["Bob", 3]])}\n` });
    expect(await waitFor(() => stdout.includes('"citizen":"Bob"'))).toBe(true);
    expect(ndjson<{ rule: string }>(stdout)[0]?.rule).toBe("lenient");
    consumer.kill("SIGTERM");
    expect((await finished(consumer)).code).toBe(0);
  });
});
