import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createEmbeddedStore } from "../../src/backends/store/embedded/embedded-store.js";
import { describeStoreContract } from "./store-contract.js";

const dataDir = mkdtempSync(join(tmpdir(), "pw-store-contract-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describeStoreContract("embedded Parquet + DuckDB", async () => createEmbeddedStore({ dataDir }));

describe("embedded store specifics", () => {
  it("answers read-only SQL over reports, sightings and alerts, and refuses writes", async () => {
    const store = createEmbeddedStore({ dataDir });
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
