import { Flags } from "@oclif/core";
import type { Store, TimeRange } from "../backends/store/types.js";
import { parseDuration, parseTimePoint } from "../domain/duration.js";
import { UsageError } from "../domain/errors.js";
import { openStore } from "./backends.js";
import { backendFlags, PwCommand } from "./base-command.js";
import { OUTPUT_FORMATS, resolveFormat, writeRows } from "./render.js";

export const timeRangeFlags = {
  since: Flags.string({
    description: "from this time on: ISO-8601 (2026-11-26T10:00Z, 2026-11-26) or ago (7d, 12h)",
  }),
  until: Flags.string({ description: "before this time (same forms as --since)" }),
};

export const outputFlags = {
  format: Flags.string({
    description: `output format: ${OUTPUT_FORMATS.join(" | ")} [default: table on a TTY, else ndjson]`,
    env: "PW_FORMAT",
  }),
};

export const intervalFlag = {
  interval: Flags.string({ description: "bucket width: 1m, 15m, 1h, 1d ...", default: "1h" }),
};

export const thresholdFlag = {
  threshold: Flags.string({ description: "a score below this counts as agitated", default: "2" }),
};

/** The JSON shape every aggregated question returns (`--json`): a contract for scripts. */
export interface QueryResult<R> {
  question: string;
  since: string | null;
  until: string | null;
  rows: R[];
}

/**
 * Base of the `pw query` questions: opens the store, parses the shared flags,
 * and renders rows as a table, NDJSON, CSV, or (with --json) the result object.
 */
export abstract class QueryCommand extends PwCommand {
  static override enableJsonFlag = true;
  static override flags = { ...backendFlags, ...timeRangeFlags, ...outputFlags };

  protected async withStore<T>(
    flags: Parameters<PwCommand["settings"]>[0],
    use: (store: Store) => Promise<T>,
  ): Promise<T> {
    const store = openStore(this.settings(flags));
    try {
      return await use(store);
    } finally {
      await store.close();
    }
  }

  protected timeRange(flags: {
    since?: string | undefined;
    until?: string | undefined;
  }): TimeRange {
    const now = Date.now();
    const range: TimeRange = {};
    if (flags.since !== undefined) range.since = parseTimePoint(flags.since, now, "--since");
    if (flags.until !== undefined) range.until = parseTimePoint(flags.until, now, "--until");
    if (range.since !== undefined && range.until !== undefined && range.since >= range.until) {
      throw new UsageError("--since must be before --until");
    }
    return range;
  }

  protected interval(text: string): number {
    const ms = parseDuration(text, "--interval");
    if (ms < 1000) throw new UsageError("--interval must be at least 1s");
    return ms;
  }

  protected threshold(text: string): number {
    const value = Number(text);
    if (!(value > 0 && value <= 10))
      throw new UsageError("--threshold must be a number in (0, 10]");
    return value;
  }

  /** Prints the rows unless --json is on (then oclif prints the returned result). */
  protected async present<R extends object>(
    question: string,
    range: TimeRange,
    rows: R[],
    columns: readonly string[],
    format: string | undefined,
  ): Promise<QueryResult<R>> {
    const result: QueryResult<R> = {
      question,
      since: range.since === undefined ? null : new Date(range.since).toISOString(),
      until: range.until === undefined ? null : new Date(range.until).toISOString(),
      rows,
    };
    if (!this.jsonEnabled()) await writeRows(rows, columns, resolveFormat(format, false));
    return result;
  }
}
