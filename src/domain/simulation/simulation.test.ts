import { describe, expect, it } from "vitest";
import { checkReport, type GeoPoint, type Report } from "../report.js";
import { CALM_WORDS, TENSE_WORDS } from "./corpus.js";
import {
  type BoundingBox,
  createSimulation,
  DEFAULT_AGITATED_RATIO,
  DEFAULT_BBOX,
  type SimulationOptions,
} from "./simulation.js";

const BASE: SimulationOptions = {
  seed: 42,
  drones: 50,
  startMs: Date.UTC(2026, 10, 26, 10),
  droneIntervalMs: 60_000,
  agitatedRatio: DEFAULT_AGITATED_RATIO,
};

function generate(count: number, overrides: Partial<SimulationOptions> = {}): Report[] {
  const simulation = createSimulation({ ...BASE, ...overrides });
  return Array.from({ length: count }, () => simulation.next());
}

const isAgitated = (report: Report) => report.citizens.some((citizen) => citizen.score < 2);

function agitatedShare(reports: readonly Report[]): number {
  return reports.filter(isAgitated).length / reports.length;
}

describe("createSimulation", () => {
  it("replays the same reports for the same seed, and others for another seed", () => {
    const first = JSON.stringify(generate(1000));
    expect(JSON.stringify(generate(1000))).toBe(first);
    expect(JSON.stringify(generate(1000, { seed: 43 }))).not.toBe(first);
  });

  it("produces valid reports in non-decreasing event time with unique ids", () => {
    const reports = generate(20_000);
    const ids = new Set<string>();
    let previousMs = Number.NEGATIVE_INFINITY;
    for (const report of reports) {
      const check = checkReport(report);
      if (!check.ok) expect.fail(`${report.reportId}: ${JSON.stringify(check.problems)}`);
      const ms = Date.parse(report.ts);
      expect(ms).toBeGreaterThanOrEqual(previousMs);
      previousMs = ms;
      ids.add(report.reportId);
    }
    expect(ids.size).toBe(reports.length);
    expect(reports[0]?.ts).toBe(new Date(BASE.startMs).toISOString());
    expect(reports[BASE.drones]?.ts).toBe(
      new Date(BASE.startMs + BASE.droneIntervalMs).toISOString(),
    );
  });

  it("keeps reportIds apart between runs with different options", () => {
    const ids = new Set(generate(100).map((report) => report.reportId));
    expect(generate(100, { seed: 7 }).some((report) => ids.has(report.reportId))).toBe(false);
  });

  it.each([
    { ratio: DEFAULT_AGITATED_RATIO, min: 0.003, max: 0.008 },
    { ratio: 0.05, min: 0.03, max: 0.08 },
  ])("carries an agitated citizen in about $ratio of reports", ({ ratio, min, max }) => {
    for (const seed of [1, 2]) {
      const share = agitatedShare(generate(100_000, { seed, agitatedRatio: ratio }));
      expect(share).toBeGreaterThanOrEqual(min);
      expect(share).toBeLessThanOrEqual(max);
    }
  });

  it("never has an agitated citizen when the ratio is 0", () => {
    expect(agitatedShare(generate(100_000, { agitatedRatio: 0 }))).toBe(0);
  });

  it("keeps an agitated citizen agitated for a while", () => {
    const lastSeen = new Map<string, { ms: number; score: number }>();
    let followUps = 0;
    let stillAgitated = 0;
    for (const report of generate(100_000)) {
      const ms = Date.parse(report.ts);
      for (const { name, score } of report.citizens) {
        const previous = lastSeen.get(name);
        if (previous && previous.score < 2 && ms - previous.ms <= 5 * 60_000) {
          followUps++;
          if (score < 2) stillAgitated++;
        }
        lastSeen.set(name, { ms, score });
      }
    }
    expect(followUps).toBeGreaterThan(50);
    expect(stillAgitated / followUps).toBeGreaterThan(0.5);
  });

  it("flies drones inside the box, less than 1 km between reports a minute apart", () => {
    const bbox = DEFAULT_BBOX;
    const reports = generate(20_000);
    const lastPosition = new Map<string, { lat: number; lon: number }>();
    let longestStep = 0;
    for (const { droneId, location } of reports) {
      const previous = lastPosition.get(droneId);
      if (previous) longestStep = Math.max(longestStep, distanceMetres(previous, location));
      lastPosition.set(droneId, location);
    }
    expect(reports.filter((report) => !isInside(report.location, bbox))).toEqual([]);
    expect(longestStep).toBeLessThan(1000);
    // They do fly: not parked where they started.
    const first = reports[0]!.location;
    const later = reports[BASE.drones * 30]!.location;
    expect(distanceMetres(first, later)).toBeGreaterThan(100);
  });

  it("stays inside a custom, tiny box", () => {
    const bbox = { minLat: 10, maxLat: 10.001, minLon: 20, maxLon: 20.001 };
    const reports = generate(2000, { bbox, drones: 3 });
    expect(reports.filter((report) => !isInside(report.location, bbox))).toEqual([]);
  });

  it("hears tense words around agitated citizens far more often than elsewhere", () => {
    const calmWords = new Set(CALM_WORDS.flat());
    const tenseOnly = new Set(TENSE_WORDS.flat().filter((word) => !calmWords.has(word)));
    const soundsTense = (report: Report) => report.words.some((word) => tenseOnly.has(word));
    const reports = generate(50_000, { agitatedRatio: 0.05 });
    const tenseShare = (group: Report[]) => group.filter(soundsTense).length / group.length;
    const agitated = tenseShare(reports.filter(isAgitated));
    const calm = tenseShare(reports.filter((report) => !isAgitated(report)));
    expect(agitated).toBeGreaterThan(0.7);
    expect(agitated).toBeGreaterThan(5 * calm);
  });

  it("rejects unusable options", () => {
    expect(() => createSimulation({ ...BASE, drones: 0 })).toThrow(/drones/);
    expect(() => createSimulation({ ...BASE, agitatedRatio: 1.5 })).toThrow(/agitatedRatio/);
    const flipped = { minLat: 49, maxLat: 48, minLon: 2, maxLon: 3 };
    expect(() => createSimulation({ ...BASE, bbox: flipped })).toThrow(/bbox/);
  });
});

function isInside(point: GeoPoint, bbox: BoundingBox): boolean {
  return (
    point.lat >= bbox.minLat &&
    point.lat <= bbox.maxLat &&
    point.lon >= bbox.minLon &&
    point.lon <= bbox.maxLon
  );
}

/** Equirectangular distance: exact enough over a few kilometres. */
function distanceMetres(a: GeoPoint, b: GeoPoint): number {
  const metresPerDegree = 111_320;
  const dLat = (b.lat - a.lat) * metresPerDegree;
  const dLon = (b.lon - a.lon) * metresPerDegree * Math.cos((a.lat * Math.PI) / 180);
  return Math.hypot(dLat, dLon);
}
