import { openStore, openStream } from "../cli/backends.js";
import { backendFlags, PwCommand } from "../cli/base-command.js";
import { formatTable } from "../cli/render.js";
import { collectStatus, type StatusResult } from "../pipeline/status.js";

export default class Status extends PwCommand {
  static override description =
    "Show reports published, stored and dead-lettered, backlog per subscription, and alerts";

  static override enableJsonFlag = true;
  static override examples = [
    "<%= config.bin %> status",
    "<%= config.bin %> status --json | jq .reports",
  ];
  static override flags = { ...backendFlags };

  async run(): Promise<StatusResult> {
    const { flags } = await this.parse(Status);
    const settings = this.settings(flags);
    const stream = openStream(settings);
    const store = openStore(settings);
    try {
      const status = await collectStatus(stream, store);
      if (!this.jsonEnabled()) {
        this.log(
          formatTable(
            [
              { what: "reports published", value: status.reports.published },
              { what: "reports stored", value: status.reports.stored },
              { what: "reports dead-lettered", value: status.reports.deadLettered },
              { what: "sightings stored", value: status.sightings },
              ...status.subscriptions.map((s) => ({
                what: `backlog of ${s.name} (${s.type}, ${s.consumers} consumer(s))`,
                value: s.backlog,
              })),
              { what: "alerts open", value: status.alerts.open },
              { what: "alerts acked", value: status.alerts.acked },
              { what: "alerts resolved", value: status.alerts.resolved },
              { what: "notifications failed", value: status.notificationsFailed },
            ],
            ["what", "value"],
          ).trimEnd(),
        );
        this.log(`\n${status.stream}\n${status.store}`);
      }
      return status;
    } finally {
      await store.close();
      await stream.close();
    }
  }
}
