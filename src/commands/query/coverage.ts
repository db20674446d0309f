import { Flags } from "@oclif/core";
import type { CoverageRow, SilentDroneRow } from "../../backends/store/types.js";
import { intervalFlag, QueryCommand } from "../../cli/query-command.js";
import { formatTable, resolveFormat, writeRows } from "../../cli/render.js";
import { parseDuration } from "../../domain/duration.js";

/** What `pw query coverage --json` prints. */
export interface CoverageResult {
  question: "coverage";
  since: string | null;
  until: string | null;
  silentAfterMinutes: number;
  /** Drones whose last report is older than the threshold, measured against the newest report of the fleet. */
  silent: SilentDroneRow[];
  rows: CoverageRow[];
}

export default class Coverage extends QueryCommand {
  static override description = `Reports per drone per interval, and the drones gone silent
A drone is silent when its last report is older than --silent, measured against the newest report of any drone.`;
  static override examples = [
    "<%= config.bin %> query coverage --since 6h --interval 1h --silent 10m",
  ];
  static override flags = {
    ...QueryCommand.flags,
    ...intervalFlag,
    silent: Flags.string({
      description: "a drone is silent after this long without reporting",
      default: "10m",
    }),
  };

  async run(): Promise<CoverageResult> {
    const { flags } = await this.parse(Coverage);
    const range = this.timeRange(flags);
    const intervalMs = this.interval(flags.interval);
    const silentMs = parseDuration(flags.silent, "--silent");
    const [rows, silent] = await this.withStore(flags, (store) =>
      Promise.all([
        store.coverage({ ...range, intervalMs }),
        store.silentDrones({ ...range, silentMs }),
      ]),
    );
    if (!this.jsonEnabled()) {
      if (silent.length > 0) {
        this.info(`${silent.length} drone(s) silent for more than ${flags.silent}:`);
        this.info(formatTable(silent, ["droneId", "lastSeen", "silentMinutes"]).trimEnd());
      } else this.info(`no drone silent for more than ${flags.silent}`);
      await writeRows(rows, ["droneId", "bucket", "reports"], resolveFormat(flags.format, false));
    }
    return {
      question: "coverage",
      since: range.since === undefined ? null : new Date(range.since).toISOString(),
      until: range.until === undefined ? null : new Date(range.until).toISOString(),
      silentAfterMinutes: silentMs / 60_000,
      silent,
      rows,
    };
  }
}
