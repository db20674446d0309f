// The same simulated reports written to the embedded store and to OpenSearch
// give the same answers to every question: the OpenSearch store is a drop-in.
// Counts, keys, orders and minimums must be identical; averages may differ in
// the last bits only (the engines sum doubles in different orders), so they are
// compared with a relative tolerance of 1e-9.
// Run:  bash scripts/services/with-services.sh npx vitest run --project integration test/integration/store-parity.test.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmbeddedStore } from "../../src/backends/store/embedded/embedded-store.js";
import { templateNames } from "../../src/backends/store/opensearch/index-layout.js";
import { createOpenSearchStore } from "../../src/backends/store/opensearch/opensearch-store.js";
import type { ArchivedReport, ReportFilter, Store } from "../../src/backends/store/types.js";
import type { AlertEvent } from "../../src/domain/alert.js";
import { defaultRuleSet } from "../../src/domain/alert-rules.js";
import { AlertTracker } from "../../src/domain/alert-tracker.js";
import type { Report } from "../../src/domain/report.js";
import { createSimulation } from "../../src/domain/simulation/simulation.js";

function requireOpenSearchUrl(): string {
  const value = process.env.PW_TEST_OPENSEARCH_URL;
  if (!value) {
    throw new Error(
      "PW_TEST_OPENSEARCH_URL is not set. Start OpenSearch and export it with " +
        "`bash scripts/services/with-services.sh npx vitest run --project integration`.",
    );
  }
  return value.replace(/\/+$/, "");
}

const url = requireOpenSearchUrl();
const prefix = `pwt${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}-p-`;

const REPORTS = 20_000;
const BATCH = 5_000;
const HOUR = 3_600_000;
const START_MS = Date.parse("2026-11-24T21:00:00Z");
const RELATIVE_TOLERANCE = 1e-9;

async function dropPrefix(): Promise<void> {
  const call = async (path: string) => {
    const res = await fetch(`${url}${path}`, {
      method: "DELETE",
      signal: AbortSignal.timeout(30_000),
    });
    if (res.status !== 200 && res.status !== 404) {
      throw new Error(`DELETE ${path}: HTTP ${res.status} ${await res.text()}`);
    }
  };
  await call(`/${prefix}*?expand_wildcards=all`);
  for (const name of templateNames(prefix)) await call(`/_index_template/${name}`);
}

/** Exact equality, except non-integer numbers: equal within the relative tolerance. */
function expectSameRows(actual: readonly object[], expected: readonly object[]): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((want, i) => {
    const got = actual[i] as Record<string, unknown>;
    expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
    for (const [key, value] of Object.entries(want)) {
      const other = got[key];
      if (typeof value === "number" && !Number.isInteger(value) && typeof other === "number") {
        const scale = Math.max(1, Math.abs(value));
        expect(
          Math.abs(other - value),
          `row ${i} ${key}: ${other} vs ${value}`,
        ).toBeLessThanOrEqual(RELATIVE_TOLERANCE * scale);
      } else {
        expect(other, `row ${i} ${key}`).toEqual(value);
      }
    }
  });
}

async function collect(store: Store, filter: ReportFilter): Promise<Report[]> {
  const out: Report[] = [];
  for await (const r of store.reports(filter)) out.push(r);
  return out;
}

describe("store parity: embedded vs OpenSearch on the same simulated data", () => {
  let embedded: Store;
  let opensearch: Store;
  let dataDir: string;
  let reports: Report[];
  let events: AlertEvent[];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "pw-parity-"));
    embedded = createEmbeddedStore({ dataDir });
    opensearch = createOpenSearchStore({ url, indexPrefix: prefix });
    // 20 drones every 5 minutes: 1000 rounds, about three and a half days.
    const simulation = createSimulation({
      seed: 20_261_126,
      drones: 20,
      startMs: START_MS,
      droneIntervalMs: 300_000,
      agitatedRatio: 0.05,
    });
    reports = Array.from({ length: REPORTS }, () => simulation.next());
    const tracker = new AlertTracker(defaultRuleSet());
    events = reports.flatMap((r) => tracker.observe(r, Date.parse(r.ts) + 500));
    for (let i = 0; i < REPORTS; i += BATCH) {
      const batch: ArchivedReport[] = reports
        .slice(i, i + BATCH)
        .map((r) => ({ report: r, raw: JSON.stringify(r), receivedAt: Date.parse(r.ts) + 250 }));
      const [a, b] = await Promise.all([
        embedded.writeReports(batch),
        opensearch.writeReports(batch),
      ]);
      expect(b).toEqual(a);
      expect(b).toEqual({ stored: batch.length, duplicates: 0, rejected: [] });
    }
    for (let i = 0; i < events.length; i += 500) {
      await embedded.recordAlertEvents(events.slice(i, i + 500));
      await opensearch.recordAlertEvents(events.slice(i, i + 500));
    }
  });

  afterAll(async () => {
    await embedded?.close();
    await opensearch?.close();
    rmSync(dataDir, { recursive: true, force: true });
    await dropPrefix();
  });

  it("counts the same reports, sightings and alerts", async () => {
    const counts = await embedded.counts();
    expect(counts.reports).toBe(REPORTS);
    expect(counts.alerts.open).toBeGreaterThan(0);
    expect(await opensearch.counts()).toEqual(counts);
  });

  it("exports every report in the same order with the same content", async () => {
    const all = await collect(opensearch, {});
    expect(all.length).toBe(REPORTS);
    expect(all).toEqual(await collect(embedded, {}));
  });

  it("filters reports the same way", async () => {
    const somebody = reports.find((r) => r.citizens.some((c) => c.score < 2))!.citizens[0]!.name;
    const filters: ReportFilter[] = [
      { since: START_MS + 30 * HOUR, until: START_MS + 50 * HOUR },
      { drone: reports[7]!.droneId },
      { citizen: somebody },
      { near: { lat: 48.86, lon: 2.34, km: 1.5 } },
      { drone: reports[3]!.droneId, since: START_MS + 10 * HOUR, limit: 25 },
      { limit: 1 },
    ];
    for (const filter of filters) {
      const want = await collect(embedded, filter);
      expect(want.length, JSON.stringify(filter)).toBeGreaterThan(0);
      expect(await collect(opensearch, filter), JSON.stringify(filter)).toEqual(want);
    }
  });

  it("ranks the same agitated citizens", async () => {
    const questions = [
      { threshold: 2, limit: 50 },
      { threshold: 5, limit: 20 },
      { threshold: 2, limit: 10, since: START_MS + 24 * HOUR, until: START_MS + 48 * HOUR },
    ];
    for (const options of questions) {
      const want = await embedded.topAgitated(options);
      expect(want.length).toBeGreaterThan(0);
      expectSameRows(await opensearch.topAgitated(options), want);
    }
  });

  it("answers every trend the same at several intervals", async () => {
    for (const intervalMs of [15 * 60_000, HOUR, 24 * HOUR]) {
      for (const range of [
        {},
        { since: START_MS + 5 * HOUR + 1234, until: START_MS + 40 * HOUR },
      ]) {
        const options = { intervalMs, ...range };
        expectSameRows(await opensearch.scoreTrend(options), await embedded.scoreTrend(options));
        expectSameRows(await opensearch.crowdTrend(options), await embedded.crowdTrend(options));
        for (const threshold of [2, 4.5]) {
          const agitated = { ...options, threshold };
          expectSameRows(
            await opensearch.agitatedTrend(agitated),
            await embedded.agitatedTrend(agitated),
          );
        }
      }
    }
  });

  it("keeps the same alerts", async () => {
    const byId = (a: { alertId: string }, b: { alertId: string }) =>
      a.alertId < b.alertId ? -1 : 1;
    expect(await opensearch.listAlerts({})).toEqual(await embedded.listAlerts({}));
    expect(await opensearch.listAlerts({ state: "open", limit: 7 })).toEqual(
      await embedded.listAlerts({ state: "open", limit: 7 }),
    );
    expect((await opensearch.recentOpenAlerts(HOUR)).sort(byId)).toEqual(
      (await embedded.recentOpenAlerts(HOUR)).sort(byId),
    );
    const ids = reports.slice(0, 2000).map((r) => r.reportId);
    expect([...(await opensearch.alertedReports(ids))].sort()).toEqual(
      [...(await embedded.alertedReports(ids))].sort(),
    );
  });
});
