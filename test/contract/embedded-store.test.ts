import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createEmbeddedStore } from "../../src/backends/store/embedded/embedded-store.js";
import { defaultRuleSet } from "../../src/domain/alert-rules.js";
import { AlertTracker } from "../../src/domain/alert-tracker.js";
import { describeStoreContract } from "./store-contract.js";

const dataDir = mkdtempSync(join(tmpdir(), "pw-store-contract-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describeStoreContract("embedded Parquet + DuckDB", async () => createEmbeddedStore({ dataDir }));

describe("embedded store specifics", () => {
  it("answers read-only SQL over reports, sightings and alerts, and refuses writes", async () => {
    const store = createEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), "pw-sql-")) });
    const at = Date.parse("2026-03-01T00:00:00Z");
    const reports = ["d1", "d1", "d2", "d1", "d2"].map((droneId, i) => ({
      reportId: `s${i}`,
      droneId,
      ts: new Date(at + i * 60_000).toISOString(),
      location: { lat: 48.85, lon: 2.35 },
      citizens: [{ name: i < 2 ? "Ann" : "Bob", score: 1 }],
      words: [],
    }));
    await store.writeReports(
      reports.map((r) => ({ report: r, raw: JSON.stringify(r), receivedAt: at })),
    );
    await store.recordAlertEvents(
      reports.flatMap((r) => new AlertTracker(defaultRuleSet()).observe(r, at)).slice(0, 2),
    );
    const result = await store.rawQuery(
      "SELECT drone_id, count(*) AS n FROM reports GROUP BY drone_id ORDER BY drone_id",
    );
    expect(result.columns).toEqual(["drone_id", "n"]);
    expect(result.rows).toEqual([
      { drone_id: "d1", n: 3 },
      { drone_id: "d2", n: 2 },
    ]);
    const alerts = await store.rawQuery("SELECT count(*) AS n FROM alerts");
    expect(alerts.rows).toEqual([{ n: 2 }]);
    for (const write of [
      "DELETE FROM reports",
      "CREATE TABLE t AS SELECT 1",
      `COPY (SELECT 1) TO '${join(dataDir, "leak.csv")}'`,
    ]) {
      await expect(store.rawQuery(write)).rejects.toThrow(/read-only SELECT/);
    }
    expect(existsSync(join(dataDir, "leak.csv"))).toBe(false);
    await expect(store.rawQuery("SELECT 1; SELECT 2")).rejects.toThrow(/exactly one/);
    await expect(store.rawQuery("SELEC nonsense")).rejects.toThrow(/SQL error/);
    await store.close();
  });

  it("removes segments a crashed writer left uncommitted, and keeps a live writer's", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pw-orphans-"));
    const day = join(dir, "store", "reports", "day=2026-03-01");
    mkdirSync(day, { recursive: true });
    const dead = join(day, "seg-999999999-abc-0011aabb.parquet");
    const live = join(day, `seg-${process.ppid}-abc-0011aabb.parquet`);
    writeFileSync(dead, "partial");
    writeFileSync(live, "in progress");
    const store = createEmbeddedStore({ dataDir: dir });
    const stored = await store.writeReports([]);
    expect(stored).toEqual({ stored: 0, duplicates: 0, rejected: [] });
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(readdirSync(day)).toHaveLength(1);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("embedded store compaction", () => {
  it("merges many small segments of a day into one, with the same answers, keeping merged files for a while", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pw-compact-"));
    const store = createEmbeddedStore({ dataDir: dir });
    const day = Date.parse("2026-03-02T00:00:00Z");
    const agitatedByName = new Map<string, number>();
    for (let flush = 0; flush < 20; flush++) {
      const batch = Array.from({ length: 50 }, (_, i) => {
        const report = {
          reportId: `c-${flush}-${i}`,
          droneId: `d${i % 3}`,
          ts: new Date(day + (flush * 50 + i) * 1000).toISOString(),
          location: { lat: 48.85, lon: 2.35 },
          citizens: [{ name: `p${i % 7}`, score: (i % 10) + 0.5 }],
          words: ["w"],
        };
        for (const c of report.citizens) {
          if (c.score < 2) agitatedByName.set(c.name, (agitatedByName.get(c.name) ?? 0) + 1);
        }
        return { report, raw: JSON.stringify(report), receivedAt: day };
      });
      expect((await store.writeReports(batch)).stored).toBe(50);
    }
    const live = await store.rawQuery(
      "SELECT count(*) AS n, count(DISTINCT report_id) AS d, count(DISTINCT filename) AS files FROM reports",
    );
    expect(live.rows[0]).toMatchObject({ n: 1000, d: 1000 });
    expect(Number(live.rows[0]?.files)).toBeLessThan(6);
    expect(await store.counts()).toMatchObject({ reports: 1000, sightings: 1000 });
    const top = await store.topAgitated({ threshold: 2, limit: 3 });
    const expected = [...agitatedByName]
      .sort(([a, n], [b, m]) => m - n || a.localeCompare(b))
      .slice(0, 3);
    expect(top.map((r) => [r.citizen, r.agitatedSightings])).toEqual(expected);
    // Merged-away files stay on disk during the grace period, and a restart's
    // orphan sweep must not take them for leftovers.
    const onDisk = () =>
      readdirSync(join(dir, "store", "reports", "day=2026-03-02")).filter((f) =>
        f.endsWith(".parquet"),
      );
    const before = onDisk().length;
    expect(before).toBeGreaterThan(Number(live.rows[0]?.files));
    await store.close();
    const reopened = createEmbeddedStore({ dataDir: dir });
    await reopened.writeReports([]);
    expect(onDisk().length).toBe(before);
    await reopened.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
