import { describe, expect, it } from "vitest";
import type { Report } from "../../../domain/report.js";
import { reportDocument, type SightingDocument, sightingId, sightingJsons } from "./documents.js";

const report = {
  reportId: "r1",
  droneId: "d1",
  ts: "2026-11-26T11:00:00+01:00",
  location: { lat: 48.85, lon: 2.35, accuracyM: 4 },
  citizens: [
    { name: "Ann", score: 3, mood: "calm" },
    { name: "Bob", score: 1.5 },
  ],
  words: ["calm"],
  telemetry: { battery: 80, firmware: "x", fan: 3 },
  mood: "tense",
  crowd: { size: 12 },
} as unknown as Report;

describe("documents", () => {
  const tsMs = Date.parse(report.ts);
  const doc = reportDocument({ report, raw: '{"raw":true}', receivedAt: 5 }, tsMs);

  it("indexes known fields by name, unknown top-level ones under extra, and keeps raw", () => {
    expect(doc).toEqual({
      reportId: "r1",
      droneId: "d1",
      ts: "2026-11-26T10:00:00.000Z",
      receivedAt: "1970-01-01T00:00:00.005Z",
      location: { lat: 48.85, lon: 2.35 },
      geohash: "u09tvkz",
      citizens: [
        { name: "Ann", score: 3 },
        { name: "Bob", score: 1.5 },
      ],
      citizenCount: 2,
      minScore: 1.5,
      words: ["calm"],
      telemetry: { battery: 80, firmware: "x" },
      extra: { mood: "tense", crowd: { size: 12 } },
      raw: '{"raw":true}',
    });
    expect(JSON.parse(JSON.stringify(doc.telemetry))).toEqual({ battery: 80, firmware: "x" });
  });

  it("leaves minScore, telemetry and extra out when there is none", () => {
    const bare = reportDocument(
      {
        report: {
          ...report,
          citizens: [],
          telemetry: undefined,
          mood: undefined,
          crowd: undefined,
        } as unknown as Report,
        raw: "{}",
        receivedAt: 0,
      },
      tsMs,
    );
    expect(bare.minScore).toBeUndefined();
    expect(bare.citizenCount).toBe(0);
    expect(sightingJsons(bare)).toEqual([]);
  });

  it("makes one sighting per citizen, ids by position", () => {
    const sightings = sightingJsons(doc).map((json) => JSON.parse(json) as SightingDocument);
    expect(sightings).toEqual([
      {
        reportId: "r1",
        droneId: "d1",
        ts: doc.ts,
        location: doc.location,
        geohash: doc.geohash,
        name: "Ann",
        score: 3,
      },
      {
        reportId: "r1",
        droneId: "d1",
        ts: doc.ts,
        location: doc.location,
        geohash: doc.geohash,
        name: "Bob",
        score: 1.5,
      },
    ]);
    expect(sightingId("r1", 1)).toBe("r1:1");
  });
});
