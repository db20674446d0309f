import { describe, expect, it } from "vitest";
import { MIN_SCORE_PROPERTY } from "../report-message.js";
import { checkBatch } from "./batch.js";

const report = (id: string, drone = "d1", score = 5) =>
  JSON.stringify({
    reportId: id,
    droneId: drone,
    ts: "2026-11-26T10:00:00Z",
    location: { lat: 48.85, lon: 2.35 },
    citizens: [{ name: "Ann", score }],
    words: [],
  });

describe("checkBatch", () => {
  it("accepts valid NDJSON lines as report messages and numbers every bad line", () => {
    const body = Buffer.from(
      [report("a"), "{nope", "", report("b", "d2"), `${report("c", "d1", 1)}\r`].join("\n"),
    );
    const { accepted, rejected } = checkBatch(body, "d1", "application/x-ndjson");
    expect(accepted.map((m) => JSON.parse(m.value).reportId)).toEqual(["a", "c"]);
    expect(accepted[1]).toMatchObject({
      key: "d1",
      eventTime: Date.parse("2026-11-26T10:00:00Z"),
      properties: { [MIN_SCORE_PROPERTY]: "1" },
    });
    expect(rejected.map((r) => [r.line, r.refused, r.problems[0]?.path])).toEqual([
      [2, false, ""],
      [4, true, "droneId"],
    ]);
    expect(rejected[1]?.problems[0]?.message).toBe(
      'is "d2" but the credential belongs to drone "d1"',
    );
  });

  it("refuses a line that is not UTF-8 instead of altering it", () => {
    const bad = Buffer.concat([
      Buffer.from('{"reportId":"'),
      Buffer.from([0xff]),
      Buffer.from('"}'),
    ]);
    const body = Buffer.concat([Buffer.from(`${report("a")}\n`), bad]);
    const { accepted, rejected } = checkBatch(body, "d1");
    expect(accepted).toHaveLength(1);
    expect(rejected).toMatchObject([
      { line: 2, problems: [{ path: "", message: "invalid UTF-8 at byte 13" }] },
    ]);
  });

  it("reads an application/json body as one report, stored on one line", () => {
    const pretty = JSON.stringify(JSON.parse(report("p")), null, 2);
    const { accepted, rejected } = checkBatch(
      Buffer.from(`\ufeff${pretty}\n`),
      "d1",
      "application/json; charset=utf-8",
    );
    expect(rejected).toEqual([]);
    expect(accepted[0]?.value).toBe(report("p"));
    // The same body as NDJSON is one broken line per line.
    expect(checkBatch(Buffer.from(pretty), "d1").rejected.length).toBeGreaterThan(1);
  });

  it("refuses an application/json body wrapped in what JSON does not count as whitespace", () => {
    // Regression: String#trim dropped these, so each body was accepted and published
    // with the character still in it, a message no consumer could JSON.parse.
    for (const [lead, trail] of [
      ["\u000b", ""],
      ["", "\ufeff"],
      ["\ufeff\ufeff", ""],
      ["\u00a0", "\u2028"],
      ["\f", "\r\n"],
    ] as const) {
      const body = Buffer.from(`${lead}${report("w")}${trail}`);
      const { accepted, rejected } = checkBatch(body, "d1", "application/json");
      expect(accepted, JSON.stringify(lead + trail)).toEqual([]);
      expect(rejected).toMatchObject([{ line: 1, refused: false, problems: [{ path: "" }] }]);
    }
    // JSON's own whitespace around the report is fine, and not kept.
    const { accepted } = checkBatch(
      Buffer.from(` \t\r\n${report("w")}\r\n `),
      "d1",
      "application/json",
    );
    expect(accepted.map((m) => m.value)).toEqual([report("w")]);
  });

  it("finds nothing in a blank body", () => {
    expect(checkBatch(Buffer.from("\n \r\n\n"), "d1")).toEqual({ accepted: [], rejected: [] });
  });
});
