import { describe, expect, it } from "vitest";
import { MAX_REPORT_BYTES, parseReportLine } from "./report.js";

const valid = {
  reportId: "r1",
  droneId: "d1",
  ts: "2026-11-26T10:00:00+01:00",
  location: { lat: 48.85, lon: 2.35 },
  citizens: [{ name: 'Zoë, "the" Brave', score: 0 }],
  words: ["calm"],
};
const problems = (value: unknown) => {
  const check = parseReportLine(typeof value === "string" ? value : JSON.stringify(value));
  return check.ok ? [] : check.problems;
};

describe("parseReportLine", () => {
  it("accepts a valid report, keeping unknown fields and optional telemetry", () => {
    const check = parseReportLine(
      JSON.stringify({ ...valid, mood: "x", telemetry: { battery: 80, firmware: "2.1" } }),
    );
    expect(check.ok && check.report).toMatchObject({ mood: "x", telemetry: { battery: 80 } });
  });

  it.each([
    [{ ...valid, reportId: "" }, "reportId"],
    [{ ...valid, reportId: "x".repeat(129) }, "reportId"],
    [{ ...valid, droneId: "x".repeat(65) }, "droneId"],
    [{ ...valid, ts: "2026-11-26T10:00:00" }, "ts"],
    [{ ...valid, ts: "yesterday" }, "ts"],
    [{ ...valid, location: { lat: 91, lon: 0 } }, "location.lat"],
    [{ ...valid, location: { lat: 0, lon: -180.5 } }, "location.lon"],
    [{ ...valid, location: { lat: 0 } }, "location.lon"],
    [{ ...valid, citizens: [{ name: "A", score: "1" }] }, "citizens[0].score"],
    [{ ...valid, citizens: [{ name: "A", score: 10.5 }] }, "citizens[0].score"],
    [{ ...valid, citizens: [{ name: "", score: 1 }] }, "citizens[0].name"],
    [{ ...valid, words: ["ok", 3] }, "words[1]"],
    [{ ...valid, telemetry: { battery: 120 } }, "telemetry.battery"],
    [{ reportId: "r" }, "droneId"],
  ])("rejects %j naming %s", (value, path) => {
    expect(problems(value).map((p) => p.path)).toContain(path);
  });

  it("rejects malformed JSON and non-objects", () => {
    expect(problems("{nope")[0]?.message).toMatch(/malformed JSON/);
    expect(problems("[1]")[0]?.message).toMatch(/JSON object/);
  });

  it("rejects a report over 1 MiB before parsing it", () => {
    const big = JSON.stringify({ ...valid, words: ["a".repeat(MAX_REPORT_BYTES)] });
    expect(problems(big)[0]?.message).toMatch(/byte limit/);
  });

  it("counts the limit in UTF-8 bytes, not characters", () => {
    const justUnderInChars = JSON.stringify({
      ...valid,
      words: ["é".repeat(MAX_REPORT_BYTES / 2)],
    });
    expect(problems(justUnderInChars)[0]?.message).toMatch(/byte limit/);
  });
});
