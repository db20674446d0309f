import { Args, Flags } from "@oclif/core";
import { QueryCommand } from "../../cli/query-command.js";
import { resolveFormat, writeRows } from "../../cli/render.js";
import { parseDuration } from "../../domain/duration.js";
import { type DroneProfile, droneProfile } from "../../pipeline/profiles.js";

export default class Drone extends QueryCommand {
  static override description =
    "One drone's path, report cadence, silences and telemetry (battery, altitude, speed)";
  static override examples = [
    "<%= config.bin %> query drone pw-0007 --since 6h",
    "<%= config.bin %> query drone pw-0007 --gap 5m --json | jq .gaps",
  ];
  static override args = { id: Args.string({ description: "droneId", required: true }) };
  static override flags = {
    ...QueryCommand.flags,
    gap: Flags.string({
      description: "a silence longer than this between two reports is a gap",
      default: "3m",
    }),
  };

  async run(): Promise<DroneProfile> {
    const { args, flags } = await this.parse(Drone);
    const range = this.timeRange(flags);
    const gapMs = parseDuration(flags.gap, "--gap");
    const path = await this.withStore(flags, (store) => store.droneReports(args.id, range));
    const profile = droneProfile(args.id, path, gapMs / 1000);
    if (!this.jsonEnabled()) {
      this.info(
        `${args.id}: ${profile.reports} report(s), every ${profile.medianIntervalSeconds ?? "-"} s (median), ${profile.gaps.length} gap(s) over ${flags.gap}, battery ${profile.lastBattery ?? "-"}% (min ${profile.minBattery ?? "-"}%)`,
      );
      for (const g of profile.gaps)
        this.info(`  silent ${Math.round(g.seconds / 60)} min after ${g.after}`);
      await writeRows(
        path,
        ["ts", "lat", "lon", "battery", "altitudeM", "speedMps", "citizens", "gapSeconds"],
        resolveFormat(flags.format, false),
      );
    }
    return profile;
  }
}
