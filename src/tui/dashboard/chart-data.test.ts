import { describe, expect, it } from "vitest";
import type { Alert } from "../../domain/alert.js";
import {
  agitatedBars,
  alertMarkers,
  alertTableRows,
  crowdSeries,
  inView,
  mapViewAround,
  PARIS_VIEW,
  scoreSeries,
  shortName,
} from "./chart-data.js";

describe("trend series", () => {
  it("labels buckets by UTC time of day and leaves out buckets without a score", () => {
    expect(
      scoreSeries([
        { bucket: "2026-11-26T10:00:00.000Z", sightings: 3, avgScore: 4.567, minScore: 1 },
        { bucket: "2026-11-26T10:10:00.000Z", sightings: 0, avgScore: null, minScore: null },
        { bucket: "2026-11-26T10:20:00.000Z", sightings: 2, avgScore: 5, minScore: 4 },
      ]),
    ).toEqual({ x: ["10:00", "10:20"], y: [4.57, 5] });
    expect(
      crowdSeries([{ bucket: "2026-11-26T23:50:00.000Z", reports: 10, avgCitizens: 3.333 }]),
    ).toEqual({ x: ["23:50"], y: [3.33] });
  });
});

describe("agitated citizens bars", () => {
  it("shortens names to fit under a bar", () => {
    expect(shortName("Valentina Fernández", 12)).toBe("Valentina F.");
    expect(shortName("Valentina Fernández", 9)).toBe("Valentina");
    expect(shortName("Wen", 9)).toBe("Wen");
    expect(
      agitatedBars(
        [
          {
            citizen: "Zoë Nguyễn",
            agitatedSightings: 7,
            sightings: 9,
            minScore: 0.3,
            avgScore: 1,
            lastSeen: "",
          },
        ],
        9,
      ),
    ).toEqual({ titles: ["Zoë N."], data: [7] });
  });
});

const alert = (severity: Alert["severity"], lat: number, lon: number): Alert =>
  ({
    severity,
    citizen: "Ann Martin",
    lastLocation: { lat, lon },
    lastReportTs: "2026-11-26T10:04:59.123Z",
    lastScore: 1.5,
    lastDroneId: "pw-0001",
    occurrences: 2,
  }) as Alert;

describe("map", () => {
  it("draws the worst severities last so they stay visible", () => {
    const markers = alertMarkers([
      alert("critical", 48.85, 2.3),
      alert("low", 48.86, 2.31),
      alert("high", 48.87, 2.32),
    ]);
    expect(markers.map((m) => m.severity)).toEqual(["low", "high", "critical"]);
  });

  it("fits the view around the points with a margin, Paris when there are none", () => {
    expect(mapViewAround([])).toBe(PARIS_VIEW);
    const view = mapViewAround([
      { lat: 48.8, lon: 2.2 },
      { lat: 49.0, lon: 2.4 },
    ]);
    expect(view.minLat).toBeCloseTo(48.78, 6);
    expect(view.maxLat).toBeCloseTo(49.02, 6);
    expect(view.minLon).toBeCloseTo(2.18, 6);
    expect(view.maxLon).toBeCloseTo(2.42, 6);
    expect(inView(view, { lat: 48.8, lon: 2.2 })).toBe(true);
    expect(inView(view, { lat: 48.5, lon: 2.3 })).toBe(false);
  });

  it("gives a single point an area around it", () => {
    const view = mapViewAround([{ lat: 48.85, lon: 2.35 }]);
    expect(view.maxLat - view.minLat).toBeCloseTo(0.01, 6);
  });
});

describe("alertTableRows", () => {
  it("shows the newest alerts, one row each", () => {
    expect(alertTableRows([alert("high", 48.85, 2.3), alert("low", 48.85, 2.3)], 1)).toEqual([
      ["10:04:59", "high", "Ann Martin", "1.5", "pw-0001", "2×"],
    ]);
  });
});
