import { Args, Flags } from "@oclif/core";
import type { AlertWithAudit } from "../backends/store/types.js";
import type { AlertAction } from "../domain/alert-lifecycle.js";
import { changeAlertState } from "../pipeline/alert-state.js";
import { openStore, openStream } from "./backends.js";
import { backendFlags, PwCommand } from "./base-command.js";
import { operatorFlag, resolveOperator } from "./operator.js";

/** `pw alerts ack` and `pw alerts resolve`: one lifecycle step, with the operator's reason. */
export abstract class AlertStateCommand extends PwCommand {
  protected abstract readonly action: AlertAction;

  static override enableJsonFlag = true;
  static override args = { id: Args.string({ description: "alertId", required: true }) };
  static override flags = {
    ...backendFlags,
    ...operatorFlag,
    reason: Flags.string({ description: "why, for the audit trail", required: true }),
  };

  /** Each subclass passes itself, so oclif parses with that command's definition. */
  protected async applyAction(command: typeof AlertStateCommand): Promise<AlertWithAudit> {
    const { args, flags } = await this.parse(command);
    const settings = this.settings(flags);
    const store = openStore(settings);
    const stream = openStream(settings);
    try {
      const alert = await changeAlertState(store, stream, args.id, this.action, {
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
