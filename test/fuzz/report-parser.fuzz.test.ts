import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import type { FieldProblem } from "../../src/domain/errors.js";
import { parseReportBytes, parseReportLine, type ReportCheck } from "../../src/domain/report.js";
import {
  HOSTILE_CATEGORIES,
  type HostileCategory,
  hostileLines,
  invalidUtf8Bytes,
  validLine,
} from "./hostile-inputs.js";

/** Generated bad inputs per category; they add up to 100,000. */
const RUNS: Record<HostileCategory, number> = {
  "wrong-type": 12_000,
  "missing-field": 8_000,
  "out-of-range": 10_000,
  "nan-like-number": 8_000,
  "bad-timestamp": 8_000,
  huge: 300,
  "deep-nesting": 2_000,
  "invalid-utf8": 8_000,
  "prototype-keys": 8_000,
  "control-char": 8_000,
  bom: 4_000,
  "lone-surrogate": 8_000,
  "duplicate-key": 8_000,
  "malformed-json": 5_700,
  "not-an-object": 2_000,
};
const TOTAL = Object.values(RUNS).reduce((a, b) => a + b, 0);

const generated = new Map<HostileCategory, number>();
const rejected = new Map<HostileCategory, number>();
const prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort().join();

/** True when `problem` names `path` itself or something inside it. */
const names = (problem: FieldProblem, path: string) =>
  problem.path === path ||
  problem.path.startsWith(`${path}.`) ||
  problem.path.startsWith(`${path}[`);

/** Throws (failing the property) unless `check` rejects the input with usable reasons. */
function assertRejected(
  category: HostileCategory,
  check: ReportCheck,
  path: string | undefined,
): void {
  generated.set(category, (generated.get(category) ?? 0) + 1);
  if (check.ok) throw new Error(`a bad ${category} input was accepted`);
  if (check.problems.length === 0) throw new Error("rejected without a problem");
  for (const problem of check.problems) {
    if (typeof problem.message !== "string" || problem.message.trim() === "") {
      throw new Error(`a problem without a message: ${JSON.stringify(problem)}`);
    }
  }
  if (path !== undefined && !check.problems.some((p) => names(p, path))) {
    throw new Error(`no problem names ${path}: ${JSON.stringify(check.problems)}`);
  }
  assertUnpolluted();
  rejected.set(category, (rejected.get(category) ?? 0) + 1);
}

function assertUnpolluted(): void {
  const probe: Record<string, unknown> = {};
  if (
    Object.getOwnPropertyNames(Object.prototype).sort().join() !== prototypeNames ||
    probe.polluted !== undefined ||
    Object.getPrototypeOf(probe) !== Object.prototype
  ) {
    throw new Error("Object.prototype was polluted");
  }
}

/** Does not throw, whatever the input: a throw fails the property with the input shown. */
const parse = (text: string) => parseReportLine(text);

describe("parseReportLine under 100k hostile inputs", () => {
  afterAll(() => {
    const rows = HOSTILE_CATEGORIES.map(
      (c) =>
        `  ${c.padEnd(16)} ${String(generated.get(c) ?? 0).padStart(7)} generated ${String(rejected.get(c) ?? 0).padStart(7)} rejected`,
    );
    const total = [...rejected.values()].reduce((a, b) => a + b, 0);
    const all = [...generated.values()].reduce((a, b) => a + b, 0);
    // biome-ignore lint/suspicious/noConsole: the count of generated inputs is this test's report
    console.info(
      `report parser fuzz: ${all} bad inputs generated, ${total} rejected with a reason\n${rows.join("\n")}`,
    );
  });

  for (const category of HOSTILE_CATEGORIES) {
    if (category === "invalid-utf8") continue;
    it(`rejects ${RUNS[category]} ${category} inputs with a reason`, () => {
      fc.assert(
        fc.property(hostileLines[category], ({ text, path }) => {
          assertRejected(category, parse(text), path);
        }),
        { numRuns: RUNS[category] },
      );
    }, 60_000);
  }

  it(`rejects ${RUNS["invalid-utf8"]} invalid-utf8 inputs (as bytes) with a reason`, () => {
    fc.assert(
      fc.property(invalidUtf8Bytes, ({ bytes }) => {
        const check = parseReportBytes(bytes);
        assertRejected("invalid-utf8", check, undefined);
        if (!check.ok) expect(check.problems[0]?.message).toMatch(/invalid UTF-8 at byte \d+/);
      }),
      { numRuns: RUNS["invalid-utf8"] },
    );
  }, 60_000);

  it("leaves valid neighbours of bad inputs unaffected", () => {
    // Huge inputs are left out: they are covered above, and would dwarf the neighbours.
    const { huge: _huge, ...small } = hostileLines;
    const anyBad = fc.oneof(...Object.values(small));
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            validLine.map((text) => ({ valid: text })),
            anyBad,
          ),
          {
            minLength: 1,
            maxLength: 10,
          },
        ),
        (inputs) => {
          for (const input of inputs) {
            const check = parse("valid" in input ? input.valid : input.text);
            if ("valid" in input) {
              if (!check.ok) throw new Error(`valid report refused: ${JSON.stringify(check)}`);
              expect(check.report).toEqual(JSON.parse(input.valid));
            } else if (check.ok) {
              throw new Error(`a bad ${input.category} input was accepted`);
            }
          }
          assertUnpolluted();
        },
      ),
      { numRuns: 300 },
    );
  }, 60_000);

  it(`generated ${TOTAL} bad inputs in total, every one rejected`, () => {
    expect(TOTAL).toBe(100_000);
    const total = [...rejected.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(TOTAL);
  });
});
