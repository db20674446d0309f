import type { OutgoingMessage } from "../../backends/stream/types.js";
import type { FieldProblem } from "../../domain/errors.js";
import { decodeReportBytes, parseReportLine, reportTimeMs } from "../../domain/report.js";
import { reportMessage } from "../report-message.js";

/** One line of a request that is not accepted, and why: the 400/403 body lists these. */
export interface LineError {
  /** 1-based line number in the request body. */
  line: number;
  problems: FieldProblem[];
}

export interface RejectedLine extends LineError {
  input: string;
  /** True when the report is valid but names another drone than the credential's. */
  refused: boolean;
}

/** A request body split into what goes to the reports topic and what does not. */
export interface CheckedBatch {
  accepted: OutgoingMessage[];
  rejected: RejectedLine[];
}

/**
 * Checks every report of a request body against schema v1 and against the
 * drone the credential belongs to. A body sent as `application/json` is one
 * report (it may span lines); anything else is NDJSON, one report per line,
 * blank lines skipped. Valid reports become the same stream message file
 * ingest publishes, so consumers cannot tell the two paths apart.
 */
export function checkBatch(body: Buffer, droneId: string, contentType = ""): CheckedBatch {
  const accepted: OutgoingMessage[] = [];
  const rejected: RejectedLine[] = [];
  const single = /^application\/json\b/i.test(contentType.trim());
  let line = 0;
  for (const bytes of single ? [withoutBom(body)] : splitLines(withoutBom(body))) {
    line++;
    // Refused rather than decoded lossily: U+FFFD would silently alter names and ids.
    const decoded = decodeReportBytes(bytes);
    if (!decoded.ok) {
      const input = bytes.toString("utf8");
      rejected.push({ line, input, refused: false, problems: decoded.problems });
      continue;
    }
    const text = decoded.text;
    if (text.trim() === "") continue;
    // Only the whitespace JSON allows: String#trim also strips U+FEFF, U+00A0, \v, \f...,
    // so "\ufeff{...}" sent as application/json was accepted, and published as it came:
    // a message no consumer's JSON.parse can read (found by test/fuzz/gateway.fuzz.test.ts).
    const json = single ? trimJsonWhitespace(text) : text;
    const check = parseReportLine(json);
    if (!check.ok) {
      rejected.push({ line, input: text, problems: check.problems, refused: false });
    } else if (check.report.droneId !== droneId) {
      rejected.push({
        line,
        input: text,
        refused: true,
        problems: [
          {
            path: "droneId",
            message: `is ${JSON.stringify(check.report.droneId)} but the credential belongs to drone ${JSON.stringify(droneId)}`,
          },
        ],
      });
    } else {
      // A pretty-printed report is stored on one line, so NDJSON exports stay one per line.
      const raw = single && json.includes("\n") ? JSON.stringify(check.report) : json;
      accepted.push(reportMessage(check.report, raw, reportTimeMs(check.report)));
    }
  }
  return { accepted, rejected };
}

const LF = 0x0a;
const CR = 0x0d;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function withoutBom(body: Buffer): Buffer {
  return body.subarray(0, 3).equals(BOM) ? body.subarray(3) : body;
}

/** `text` without the space, tab, LF and CR JSON allows around a value (a loop: no regex backtracking). */
function trimJsonWhitespace(text: string): string {
  const space = (at: number) => {
    const c = text.charCodeAt(at);
    return c === 0x20 || c === 0x09 || c === LF || c === CR;
  };
  let start = 0;
  let end = text.length;
  while (start < end && space(start)) start++;
  while (end > start && space(end - 1)) end--;
  return text.slice(start, end);
}

/** Lines end with "\n" (a "\r" before it is dropped); a last line without one counts too. */
function splitLines(body: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  while (start < body.length) {
    let end = body.indexOf(LF, start);
    if (end === -1) end = body.length;
    const stop = end > start && body[end - 1] === CR ? end - 1 : end;
    lines.push(body.subarray(start, stop));
    start = end + 1;
  }
  return lines;
}
