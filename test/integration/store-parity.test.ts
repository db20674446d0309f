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
import { createOpenSearchStore } from "../../src/backends/store/opensearch/opensearch-store.js";
import type { ArchivedReport, ReportFilter, Store } from "../../src/backends/store/types.js";
import type { AlertEvent } from "../../src/domain/alert.js";
import { defaultRuleSet } from "../../src/domain/alert-rules.js";
import { AlertTracker } from "../../src/domain/alert-tracker.js";
import type { Report } from "../../src/domain/report.js";
import { createSimulation } from "../../src/domain/simulation/simulation.js";
import { dropOpenSearchPrefix, requireServiceUrl, runTag } from "./services-env.js";

const url = requireServiceUrl("PW_TEST_OPENSEARCH_URL");
const prefix = `pwt${runTag()}-p-`;

const REPORTS = 20_000;
const BATCH = 5_000;
const HOUR = 3_600_000;
const START_MS = Date.parse("2026-11-24T21:00:00Z");
const RELATIVE_TOLERANCE = 1e-9;

const dropPrefix = () => dropOpenSearchPrefix(url, prefix);

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

/**
 * Some reports say a word in capitals too, or twice: the words question
 * lower-cases words and counts each once per report, in both stores.
 */
function mixCase(report: Report, i: number): Report {
  const [first] = report.words;
  if (i % 7 !== 0 || first === undefined) return report;
  return {
    ...report,
    words: [first.toUpperCase(), ...report.words, first[0]!.toUpperCase() + first.slice(1)],
  };
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
    reports = Array.from({ length: REPORTS }, (_, i) => mixCase(simulation.next(), i));
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

  it("counts and resumes exports the same way", async () => {
    const drone = reports[5]!.droneId;
    for (const filter of [
      {},
      { drone },
      { since: START_MS + 30 * HOUR, until: START_MS + 50 * HOUR },
    ]) {
      expect(await opensearch.countReports(filter)).toBe(await embedded.countReports(filter));
    }
    expect(await opensearch.countReports({ limit: 3 })).toBe(REPORTS);
    const all = await collect(embedded, {});
    const thousandth = all[999]!;
    const after = { ts: thousandth.ts, reportId: thousandth.reportId };
    const resumed = await collect(opensearch, { after });
    expect(resumed.length).toBe(REPORTS - 1000);
    expect(resumed).toEqual(await collect(embedded, { after }));
    expect(resumed).toEqual(all.slice(1000));
    const resumedDrone = { after, drone, limit: 50 };
    expect(await collect(opensearch, resumedDrone)).toEqual(await collect(embedded, resumedDrone));
  });

  it("finds the same hotspots", async () => {
    for (const options of [
      { precision: 5, threshold: 2, limit: 50 },
      { precision: 7, threshold: 4.5, limit: 200 },
      {
        precision: 6,
        threshold: 2,
        limit: 20,
        since: START_MS + 24 * HOUR,
        until: START_MS + 48 * HOUR,
      },
    ]) {
      const want = await embedded.hotspots(options);
      expect(want.length).toBeGreaterThan(0);
      expect(await opensearch.hotspots(options)).toEqual(want);
    }
  });

  it("compares the same words", async () => {
    for (const options of [
      { threshold: 2, limit: 30, minAgitatedReports: 3, sort: "lift" as const },
      { threshold: 2, limit: 30, minAgitatedReports: 1, sort: "count" as const },
      {
        threshold: 4.5,
        limit: 1000,
        minAgitatedReports: 0,
        sort: "lift" as const,
        since: START_MS + 10 * HOUR,
      },
    ]) {
      const want = await embedded.words(options);
      expect(want.length).toBeGreaterThan(0);
      expect(await opensearch.words(options)).toEqual(want);
    }
  });

  it("gives the same citizen timelines and drone paths", async () => {
    const agitated = reports.find((r) => r.citizens.some((c) => c.score < 2))!;
    const names = [
      agitated.citizens[0]!.name,
      reports[11]!.citizens[0]?.name ?? "nobody",
      "nobody",
    ];
    const ranges = [{}, { since: START_MS + 20 * HOUR, until: START_MS + 40 * HOUR }];
    for (const range of ranges) {
      for (const name of names) {
        const want = await embedded.citizenSightings(name, range);
        if (name !== "nobody") expect(want.length).toBeGreaterThan(0);
        expect(await opensearch.citizenSightings(name, range)).toEqual(want);
      }
      for (const drone of [reports[0]!.droneId, reports[13]!.droneId]) {
        const want = await embedded.droneReports(drone, range);
        expect(want.length).toBeGreaterThan(0);
        expectSameRows(await opensearch.droneReports(drone, range), want);
      }
    }
  });

  it("counts the same coverage and finds the same silent drones", async () => {
    for (const options of [
      { intervalMs: HOUR },
      { intervalMs: 6 * HOUR, since: START_MS + 5 * HOUR + 1234, until: START_MS + 40 * HOUR },
    ]) {
      const want = await embedded.coverage(options);
      expect(want.length).toBeGreaterThan(0);
      expect(await opensearch.coverage(options)).toEqual(want);
    }
    for (const options of [
      { silentMs: 0 },
      { silentMs: 60_000 },
      { silentMs: 60_000, until: START_MS + 30 * HOUR + 7 },
      { silentMs: HOUR, since: START_MS + HOUR },
    ]) {
      expectSameRows(await opensearch.silentDrones(options), await embedded.silentDrones(options));
    }
  });
});
