import { describe, expect, it } from "vitest";
import { MAX_REPORT_BYTES, MAX_REPORT_DEPTH, parseReportBytes, parseReportLine } from "./report.js";

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

  // Found by test/fuzz: each of these used to be accepted.
  it("rejects a leap second, which Date.parse cannot place (event time was NaN)", () => {
    expect(problems({ ...valid, ts: "2026-12-31T23:59:60Z" })).toEqual([
      { path: "ts", message: expect.stringMatching(/leap second/) },
    ]);
  });

  it("rejects lone surrogates in values and keys, which UTF-8 storage turns into U+FFFD", () => {
    const line = JSON.stringify({ ...valid, reportId: "r-X" }).replace("X", "\\ud800");
    expect(problems(line)).toEqual([
      { path: "reportId", message: expect.stringMatching(/lone surrogate/) },
    ]);
    expect(problems(JSON.stringify({ ...valid, "k\udc00": 1 }))[0]?.message).toMatch(
      /lone surrogate/,
    );
    expect(parseReportLine(JSON.stringify({ ...valid, words: ["😀"] })).ok).toBe(true);
  });

  it("rejects nesting past MAX_REPORT_DEPTH, even 100k deep in an extra field, without a crash", () => {
    const nest = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
    const withExtra = (depth: number) =>
      JSON.stringify({ ...valid, extra: 0 }).replace('"extra":0', `"extra":${nest(depth)}`);
    expect(parseReportLine(withExtra(MAX_REPORT_DEPTH - 1)).ok).toBe(true);
    expect(problems(withExtra(MAX_REPORT_DEPTH))[0]?.message).toMatch(/deeper than/);
    expect(problems(withExtra(100_000))[0]?.path).toMatch(/^extra\[0\]/);
  });

  it("rejects bytes that are not UTF-8 instead of patching them with U+FFFD", () => {
    const bytes = Buffer.from(JSON.stringify({ ...valid, droneId: "d-X" }));
    bytes[bytes.indexOf("X")] = 0xff;
    expect(parseReportBytes(bytes)).toEqual({
      ok: false,
      problems: [{ path: "", message: `invalid UTF-8 at byte ${bytes.indexOf(0xff)}` }],
    });
    expect(parseReportBytes(Buffer.from(JSON.stringify(valid))).ok).toBe(true);
  });
});
