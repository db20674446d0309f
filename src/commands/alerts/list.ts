import { Flags } from "@oclif/core";
import { openStore } from "../../cli/backends.js";
import { backendFlags, PwCommand } from "../../cli/base-command.js";
import { outputFlags } from "../../cli/query-command.js";
import { resolveFormat, writeRows } from "../../cli/render.js";
import type { Alert } from "../../domain/alert.js";

export interface AlertListResult {
  alerts: Alert[];
}

export default class AlertsList extends PwCommand {
  static override description = "List stored alerts, newest first";
  static override examples = [
    "<%= config.bin %> alerts list --state open",
    "<%= config.bin %> alerts list --json | jq '.alerts[].citizen'",
  ];
  static override enableJsonFlag = true;
  static override flags = {
    ...backendFlags,
    ...outputFlags,
    state: Flags.string({
      description: "only alerts in this state",
      options: ["open", "acked", "resolved"],
    }),
    limit: Flags.integer({ description: "at most this many", default: 50, min: 1 }),
  };

  async run(): Promise<AlertListResult> {
    const { flags } = await this.parse(AlertsList);
    const store = openStore(this.settings(flags));
    try {
      const alerts = await store.listAlerts({
        limit: flags.limit,
        ...(flags.state && { state: flags.state as Alert["state"] }),
      });
      if (!this.jsonEnabled()) {
        await writeRows(
          alerts.map((a) => ({ ...a, where: `${a.lastLocation.lat},${a.lastLocation.lon}` })),
          [
            "alertId",
            "state",
            "severity",
            "citizen",
            "lastScore",
            "occurrences",
            "lastDroneId",
            "where",
            "lastReportTs",
          ],
          resolveFormat(flags.format, false),
        );
      }
      return { alerts };
    } finally {
      await store.close();
    }
  }
}
