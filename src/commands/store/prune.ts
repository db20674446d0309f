import { Flags } from "@oclif/core";
import type { PruneResult } from "../../backends/store/types.js";
import { openStore } from "../../cli/backends.js";
import { backendFlags, PwCommand } from "../../cli/base-command.js";
import { parseDuration } from "../../domain/duration.js";

export default class StorePrune extends PwCommand {
  static override description =
    `Retention: delete whole UTC days of reports (and their sightings) older than a duration
A day goes once all of it is older than --older-than. Alerts are kept. On OpenSearch this deletes whole daily indices.`;
  static override examples = [
    "<%= config.bin %> store prune --older-than 30d --dry-run",
    "<%= config.bin %> store prune --older-than 30d",
  ];
  static override enableJsonFlag = true;
  static override flags = {
    ...backendFlags,
    "older-than": Flags.string({
      description: "keep this much history, e.g. 30d",
      required: true,
      env: "PW_RETENTION",
    }),
    "dry-run": Flags.boolean({ description: "say what would be deleted, delete nothing" }),
  };

  async run(): Promise<PruneResult> {
    const { flags } = await this.parse(StorePrune);
    const keepMs = parseDuration(flags["older-than"], "--older-than");
    const store = openStore(this.settings(flags));
    try {
      const result = await store.prune({ beforeMs: Date.now() - keepMs, dryRun: flags["dry-run"] });
      if (!this.jsonEnabled()) {
        const verb = flags["dry-run"] ? "would delete" : "deleted";
        this.log(
          result.days.length === 0
            ? `nothing older than ${flags["older-than"]}`
            : `${verb} ${result.days.length} day(s), ${result.reports} report(s): ${result.days.join(", ")}`,
        );
      }
      return result;
    } finally {
      await store.close();
    }
  }
}
