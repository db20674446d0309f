import type { ReportFilter } from "../backends/store/types.js";
import { UsageError } from "../domain/errors.js";
import type { Report } from "../domain/report.js";

/**
 * An export's resume token: its filters plus the last report written, as
 * base64url JSON. Opaque to users, readable by anyone debugging.
 */
export function encodeResumeToken(filter: ReportFilter, last: Report): string {
  const { limit: _limit, after: _after, ...filters } = filter;
  const after = { ts: new Date(Date.parse(last.ts)).toISOString(), reportId: last.reportId };
  return Buffer.from(JSON.stringify({ v: 1, filter: filters, after })).toString("base64url");
}

export function decodeResumeToken(token: string): ReportFilter {
  try {
    const decoded = JSON.parse(Buffer.from(token.trim(), "base64url").toString("utf8")) as {
      v: number;
      filter: ReportFilter;
      after: { ts: string; reportId: string };
    };
    if (
      decoded.v !== 1 ||
      typeof decoded.after?.reportId !== "string" ||
      Number.isNaN(Date.parse(decoded.after.ts))
    ) {
      throw new Error("unknown token version or shape");
    }
    return { ...decoded.filter, after: decoded.after };
  } catch (error) {
    throw new UsageError(
      `--resume: not a resume token printed by pw query reports (${(error as Error).message})`,
      error,
    );
  }
}
