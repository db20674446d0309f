import { describe, expect, it } from "vitest";
import { geohashCell } from "../../../domain/geohash.js";
import { silentOf } from "./fleet-queries.js";
import { rankHotspots } from "./hotspots-query.js";
import { resumeKey } from "./reports-query.js";
import { rankWords } from "./words-query.js";

function centre(cell: string) {
  const { lat, lon } = geohashCell(cell);
  return { lat, lon };
}

describe("answers computed in TS from exact aggregations", () => {
  it("rolls stored cells up to the asked precision and ranks them", () => {
    const stored: [string, { agitatedSightings: number; sightings: number }][] = [
      ["u09tvw0", { agitatedSightings: 1, sightings: 3 }],
      ["u09tvw1", { agitatedSightings: 0, sightings: 4 }],
      ["dr5regw", { agitatedSightings: 1, sightings: 1 }],
      ["ezs42aa", { agitatedSightings: 0, sightings: 9 }],
    ];
    expect(rankHotspots(stored, 5, 10)).toEqual([
      { cell: "dr5re", ...centre("dr5re"), agitatedSightings: 1, sightings: 1 },
      { cell: "u09tv", ...centre("u09tv"), agitatedSightings: 1, sightings: 7 },
    ]);
    expect(rankHotspots(stored, 7, 1).map((r) => r.cell)).toEqual(["dr5regw"]);
  });

  it("ranks words by lift or by count, then by word", () => {
    const counts = [
      { word: "b", agitatedReports: 2, reports: 2 },
      { word: "a", agitatedReports: 2, reports: 2 },
      { word: "calm", agitatedReports: 3, reports: 10 },
      { word: "rare", agitatedReports: 0, reports: 1 },
    ];
    const totals = { reports: 10, agitatedReports: 4 };
    const byLift = rankWords(counts, totals, { minAgitatedReports: 1, sort: "lift", limit: 10 });
    expect(byLift.map((r) => [r.word, r.lift])).toEqual([
      ["a", 2.5],
      ["b", 2.5],
      ["calm", 0.75],
    ]);
    const byCount = rankWords(counts, totals, { minAgitatedReports: 0, sort: "count", limit: 2 });
    expect(byCount.map((r) => r.word)).toEqual(["calm", "a"]);
  });

  it("measures silence against the newest drone", () => {
    const last = new Map([
      ["d2", 0],
      ["d1", 0],
      ["d3", 3_600_000],
      ["d4", 3_000_000],
    ]);
    expect(silentOf(last, 600_000)).toEqual([
      { droneId: "d1", lastSeen: new Date(0).toISOString(), silentMinutes: 60 },
      { droneId: "d2", lastSeen: new Date(0).toISOString(), silentMinutes: 60 },
    ]);
  });

  it("resumes after a report's sort key, whatever its offset", () => {
    expect(resumeKey({ ts: "2026-03-01T01:00:00+01:00", reportId: "r9" })).toEqual([
      Date.parse("2026-03-01T00:00:00Z"),
      "r9",
    ]);
    expect(() => resumeKey({ ts: "soon", reportId: "r9" })).toThrow(/not a time/);
  });
});
