import { Args, Flags } from "@oclif/core";
import type { AlertWithAudit } from "../../backends/store/types.js";
import { openStore, openStream } from "../../cli/backends.js";
import { backendFlags, PwCommand } from "../../cli/base-command.js";
import { operatorFlag, resolveOperator } from "../../cli/operator.js";
import { changeAlertState } from "../../pipeline/alert-state.js";

export default class AlertsAck extends PwCommand {
  static override description =
    "Acknowledge an alert: someone is on it (repeat notifications stop while its cooldown lasts)";
  static override examples = [
    '<%= config.bin %> alerts ack al_1f2e3d4c5b6a79880011 --reason "patrol sent"',
  ];
  static override enableJsonFlag = true;
  static override args = { id: Args.string({ description: "alertId", required: true }) };
  static override flags = {
    ...backendFlags,
    ...operatorFlag,
    reason: Flags.string({ description: "why, for the audit trail", required: true }),
  };

  async run(): Promise<AlertWithAudit> {
    const { args, flags } = await this.parse(AlertsAck);
    const settings = this.settings(flags);
    const store = openStore(settings);
    const stream = openStream(settings);
    try {
      const alert = await changeAlertState(store, stream, args.id, "ack", {
        operator: resolveOperator(flags.operator),
        reason: flags.reason,
        at: Date.now(),
      });
      if (!this.jsonEnabled()) this.log(`${alert.alertId} is now ${alert.state}`);
      return alert;
    } finally {
      await stream.close();
      await store.close();
    }
  }
}
