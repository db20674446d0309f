import { describe, expect, it } from "vitest";
import { citizenProfile, droneProfile } from "./profiles.js";

const at = (minute: number) =>
  new Date(Date.parse("2026-11-26T10:00:00Z") + minute * 60_000).toISOString();

describe("profiles", () => {
  it("summarises a citizen's timeline", () => {
    const p = citizenProfile(
      "Ann",
      [
        { ts: at(0), score: 1, droneId: "d1", lat: 1, lon: 2, reportId: "a" },
        { ts: at(3), score: 5, droneId: "d2", lat: 1, lon: 2, reportId: "b" },
        { ts: at(9), score: 0.5, droneId: "d1", lat: 1, lon: 2, reportId: "c" },
      ],
      2,
    );
    expect(p).toMatchObject({
      sightings: 3,
      agitatedSightings: 2,
      minScore: 0.5,
      avgScore: 6.5 / 3,
      drones: 2,
      firstSeen: at(0),
      lastSeen: at(9),
    });
  });

  it("finds a drone's cadence and the silences longer than the threshold", () => {
    const row = (minute: number, gap: number | null, battery: number) => ({
      ts: at(minute),
      lat: 1,
      lon: 2,
      battery,
      altitudeM: 80,
      speedMps: 5,
      citizens: 2,
      gapSeconds: gap,
    });
    const p = droneProfile(
      "d1",
      [row(0, null, 90), row(1, 60, 89), row(2, 60, 88), row(30, 1680, 70), row(31, 60, 69)],
      180,
    );
    expect(p).toMatchObject({
      reports: 5,
      medianIntervalSeconds: 60,
      lastBattery: 69,
      minBattery: 69,
    });
    expect(p.gaps).toEqual([{ after: at(2), seconds: 1680 }]);
  });
});
