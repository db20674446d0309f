import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmbeddedStore } from "../../src/backends/store/embedded/embedded-store.js";
import type { Store, TimeRange, WordOptions, WordRow } from "../../src/backends/store/types.js";
import type { Report } from "../../src/domain/report.js";

/**
 * The embedded store's derived layout (words rollups per hour, sightings in
 * name order) must give exactly the answers of a plain computation over the
 * reports: across compaction, at the edges of a time range, with odd names.
 */

const HOUR = 3_600_000;
const T0 = Date.parse("2026-05-10T20:00:00Z");
const VOCABULARY = ["Calm", "calm", "CALM", "riot", "Riot", "bread", "x", "Élan", "élan", "go"];
// Names that sort and compare awkwardly: quotes, accents, a long shared prefix, empty.
const LONG = "L".repeat(300);
const NAMES = [
  "Ann",
  "O'Brien",
  'Say "hi"',
  "Zoë",
  "Nguyễn Văn",
  `${LONG}a`,
  `${LONG}b`,
  "",
  "back\\slash",
  "tab\tname",
];

/** A deterministic pseudo-random sequence, so a failure replays. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

function makeReports(count: number, seed: number, prefix: string): Report[] {
  const next = random(seed);
  return Array.from({ length: count }, (_, i) => {
    // About 2.5 days, so rollups span several hours and days; some reports on the hour.
    const ts =
      T0 + (i % 20 === 0 ? Math.floor(next() * 60) * HOUR : Math.floor(next() * 60 * HOUR));
    // Distinct names per report: a timeline orders by time and report only.
    const names = new Set(
      Array.from(
        { length: Math.floor(next() * 4) },
        () => NAMES[Math.floor(next() * NAMES.length)]!,
      ),
    );
    const citizens = [...names].map((name) => ({ name, score: Math.round(next() * 1000) / 100 }));
    const words = Array.from(
      { length: Math.floor(next() * 5) },
      () => VOCABULARY[Math.floor(next() * VOCABULARY.length)]!,
    );
    return {
      reportId: `${prefix}-${i}`,
      droneId: `d${i % 5}`,
      ts: new Date(ts).toISOString(),
      location: { lat: 48.85, lon: 2.35 },
      citizens,
      words,
    };
  });
}

const inRange = (r: Report, range: TimeRange) => {
  const ts = Date.parse(r.ts);
  return (
    (range.since === undefined || ts >= range.since) &&
    (range.until === undefined || ts < range.until)
  );
};

/** The words question computed report by report. */
function expectedWords(reports: readonly Report[], options: WordOptions): WordRow[] {
  const selected = reports.filter((r) => inRange(r, options));
  const agitated = (r: Report) => r.citizens.some((c) => c.score < options.threshold);
  const n = selected.length;
  const na = selected.filter(agitated).length;
  const counts = new Map<string, { a: number; r: number }>();
  for (const report of selected) {
    for (const word of new Set(report.words.map((w) => w.toLowerCase()))) {
      const c = counts.get(word) ?? { a: 0, r: 0 };
      c.r++;
      if (agitated(report)) c.a++;
      counts.set(word, c);
    }
  }
  const rows = [...counts]
    .filter(([, c]) => c.a >= options.minAgitatedReports)
    .map(([word, c]) => ({ word, agitatedReports: c.a, reports: c.r, lift: c.a / na / (c.r / n) }));
  const byWord = (x: WordRow, y: WordRow) => (x.word < y.word ? -1 : x.word > y.word ? 1 : 0);
  rows.sort((x, y) =>
    options.sort === "count"
      ? y.agitatedReports - x.agitatedReports || y.lift - x.lift || byWord(x, y)
      : y.lift - x.lift || y.agitatedReports - x.agitatedReports || byWord(x, y),
  );
  return rows.slice(0, options.limit);
}

const RANGES: TimeRange[] = [
  {},
  { since: T0 + 5 * HOUR, until: T0 + 30 * HOUR }, // whole hours only
  { since: T0 + 5 * HOUR + 1234, until: T0 + 30 * HOUR - 1 }, // partial hours at both edges
  { since: T0 + 7 * HOUR + 10, until: T0 + 7 * HOUR + 50 * 60_000 }, // inside one hour
  { since: T0 + 3 * HOUR + 59 * 60_000, until: T0 + 4 * HOUR + 60_000 }, // across one boundary
  { since: T0 + 26 * HOUR + 17 }, // open-ended, partial first hour
  { until: T0 + 40 * HOUR + 5 }, // open start, partial last hour
];

describe("embedded store layout: words rollups and name-ordered sightings", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "pw-layout-"));
  let store: Store;
  const all: Report[] = [];
  const write = async (reports: Report[]) => {
    const result = await store.writeReports(
      reports.map((r) => ({ report: r, raw: JSON.stringify(r), receivedAt: T0 })),
    );
    expect(result.stored).toBe(reports.length);
    all.push(...reports);
  };

  beforeAll(async () => {
    store = createEmbeddedStore({ dataDir });
    // Enough flushes that every day gets compacted (16 small segments per day).
    for (let flush = 0; flush < 20; flush++) await write(makeReports(150, flush + 1, `f${flush}`));
  }, 120_000);
  afterAll(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const checkWords = async () => {
    let i = 0;
    for (const range of RANGES) {
      for (const threshold of [2, 4.56, 0, 11]) {
        const sort = i++ % 2 === 0 ? ("lift" as const) : ("count" as const);
        const options = { ...range, threshold, limit: 50, minAgitatedReports: 1, sort };
        expect(await store.words(options), JSON.stringify(options)).toEqual(
          expectedWords(all, options),
        );
      }
    }
  };

  it("was compacted, and every data segment has its rollup", async () => {
    const catalog = new Database(join(dataDir, "store", "catalog.db"), { readonly: true });
    const live = catalog
      .prepare(
        `SELECT kind, count(*) AS n FROM segments WHERE retired_at IS NULL GROUP BY kind ORDER BY kind`,
      )
      .all() as { kind: string; n: number }[];
    const retired = catalog
      .prepare("SELECT count(*) FROM segments WHERE retired_at IS NOT NULL")
      .pluck()
      .get() as number;
    const orphans = catalog
      .prepare(
        `SELECT count(*) FROM segments d WHERE d.kind IN ('reports', 'sightings')
         AND d.retired_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM segments r WHERE r.source = d.id AND r.retired_at IS NULL)`,
      )
      .pluck()
      .get() as number;
    catalog.close();
    expect(retired).toBeGreaterThan(0);
    const n = Object.fromEntries(live.map((l) => [l.kind, l.n]));
    expect(n.words).toBe(n.reports);
    expect(n.citizens).toBe(n.sightings);
    expect(orphans).toBe(0);
  });

  it("answers words exactly, for whole and partial hours and any threshold", async () => {
    await checkWords();
  });

  it("answers the same for segments written before rollups existed, and rolls them up when merged", async () => {
    // A store from an earlier pw: reports segments without rollups.
    const catalog = new Database(join(dataDir, "store", "catalog.db"));
    catalog.prepare("DELETE FROM segments WHERE kind IN ('words', 'citizens')").run();
    catalog.close();
    await checkWords();
    await checkTopAgitated();
    for (let flush = 20; flush < 40; flush++) await write(makeReports(150, flush + 1, `f${flush}`));
    await checkWords();
    await checkTopAgitated();
  });

  it("finds every sighting of a citizen whatever the name", async () => {
    for (const name of [...NAMES, "nobody", LONG]) {
      for (const range of RANGES) {
        const want = all
          .filter((r) => inRange(r, range))
          .flatMap((r) =>
            r.citizens
              .filter((c) => c.name === name)
              .map((c) => ({
                ts: new Date(Date.parse(r.ts)).toISOString(),
                score: c.score,
                droneId: r.droneId,
                lat: r.location.lat,
                lon: r.location.lon,
                reportId: r.reportId,
              })),
          )
          .sort((x, y) => (x.ts < y.ts ? -1 : x.ts > y.ts ? 1 : x.reportId < y.reportId ? -1 : 1));
        expect(
          await store.citizenSightings(name, range),
          `${name} ${JSON.stringify(range)}`,
        ).toEqual(want);
      }
    }
  });

  it("ranks agitated citizens exactly whatever the names and range", async () => {
    await checkTopAgitated();
  });

  async function checkTopAgitated() {
    for (const range of RANGES) {
      for (const threshold of [2, 5.5]) {
        const stats = new Map<
          string,
          { a: number; n: number; min: number; sum: number; last: number }
        >();
        for (const r of all.filter((x) => inRange(x, range))) {
          for (const c of r.citizens) {
            const s = stats.get(c.name) ?? { a: 0, n: 0, min: Infinity, sum: 0, last: -Infinity };
            s.n++;
            s.sum += c.score;
            s.min = Math.min(s.min, c.score);
            s.last = Math.max(s.last, Date.parse(r.ts));
            if (c.score < threshold) s.a++;
            stats.set(c.name, s);
          }
        }
        const want = [...stats]
          .filter(([, s]) => s.a > 0)
          .sort(([x, s], [y, t]) => t.a - s.a || Buffer.compare(Buffer.from(x), Buffer.from(y)))
          .slice(0, 6);
        const got = await store.topAgitated({ ...range, threshold, limit: 6 });
        const label = `${threshold} ${JSON.stringify(range)}`;
        expect(
          got.map((g) => [g.citizen, g.agitatedSightings, g.sightings, g.minScore, g.lastSeen]),
          label,
        ).toEqual(want.map(([name, s]) => [name, s.a, s.n, s.min, new Date(s.last).toISOString()]));
        got.forEach((g, i) => {
          const s = want[i]![1];
          expect(g.avgScore, label).toBeCloseTo(s.sum / s.n, 9);
        });
      }
    }
  }
});
