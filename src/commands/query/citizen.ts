import { Args } from "@oclif/core";
import { QueryCommand, thresholdFlag } from "../../cli/query-command.js";
import { resolveFormat, writeRows } from "../../cli/render.js";
import { type CitizenProfile, citizenProfile } from "../../pipeline/profiles.js";

export default class Citizen extends QueryCommand {
  static override description =
    "One citizen's timeline: every sighting with score, drone and place";
  static override examples = [`<%= config.bin %> query citizen "Ann Lee" --since 7d`];
  static override args = {
    name: Args.string({ description: "the citizen's name, exactly", required: true }),
  };
  static override flags = { ...QueryCommand.flags, ...thresholdFlag };

  async run(): Promise<CitizenProfile> {
    const { args, flags } = await this.parse(Citizen);
    const range = this.timeRange(flags);
    const threshold = this.threshold(flags.threshold);
    const timeline = await this.withStore(flags, (store) =>
      store.citizenSightings(args.name, range),
    );
    const profile = citizenProfile(args.name, timeline, threshold);
    if (!this.jsonEnabled()) {
      const avg = profile.avgScore === null ? "-" : profile.avgScore.toFixed(2);
      this.info(
        `${args.name}: ${profile.sightings} sighting(s), ${profile.agitatedSightings} agitated, min score ${profile.minScore ?? "-"}, avg ${avg}, by ${profile.drones} drone(s), ${profile.firstSeen ?? "-"} .. ${profile.lastSeen ?? "-"}`,
      );
      await writeRows(
        timeline,
        ["ts", "score", "droneId", "lat", "lon", "reportId"],
        resolveFormat(flags.format, false),
      );
    }
    return profile;
  }
}
