import { Flags } from "@oclif/core";
import type { HotspotRow } from "../../backends/store/types.js";
import { QueryCommand, type QueryResult, thresholdFlag } from "../../cli/query-command.js";

export type HotspotsResult = QueryResult<HotspotRow>;

export default class Hotspots extends QueryCommand {
  static override description = `Grid cells with the most agitated sightings
Cells are geohashes computed at ingest: --precision 5 ≈ 4.9 km, 6 ≈ 1.2 × 0.6 km, 7 ≈ 153 m squares.`;
  static override examples = [
    "<%= config.bin %> query hotspots --since 1d --precision 7 --limit 20",
  ];
  static override flags = {
    ...QueryCommand.flags,
    ...thresholdFlag,
    precision: Flags.integer({
      description: "cell size as geohash precision (1-7)",
      default: 6,
      min: 1,
      max: 7,
    }),
    limit: Flags.integer({ description: "how many cells", default: 10, min: 1 }),
  };

  async run(): Promise<HotspotsResult> {
    const { flags } = await this.parse(Hotspots);
    const range = this.timeRange(flags);
    const threshold = this.threshold(flags.threshold);
    const rows = await this.withStore(flags, (store) =>
      store.hotspots({ ...range, threshold, precision: flags.precision, limit: flags.limit }),
    );
    return this.present(
      "hotspots",
      range,
      rows,
      ["cell", "lat", "lon", "agitatedSightings", "sightings"],
      flags.format,
    );
  }
}
