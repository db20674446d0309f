import { isUtf8 } from "node:buffer";
import type { OutgoingMessage } from "../../backends/stream/types.js";
import type { FieldProblem } from "../../domain/errors.js";
import { parseReportLine, reportTimeMs } from "../../domain/report.js";
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
    if (!isUtf8(bytes)) {
      const input = bytes.toString("utf8");
      rejected.push({
        line,
        input,
        refused: false,
        problems: [{ path: "", message: "is not valid UTF-8" }],
      });
      continue;
    }
    const text = bytes.toString("utf8");
    if (text.trim() === "") continue;
    const check = parseReportLine(single ? text.trim() : text);
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
      const raw = single && text.includes("\n") ? JSON.stringify(check.report) : text;
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
