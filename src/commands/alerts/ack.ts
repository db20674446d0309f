import { AlertStateCommand } from "../../cli/alert-state-command.js";

export default class AlertsAck extends AlertStateCommand {
  static override description =
    "Acknowledge an alert: someone is on it (repeat notifications stop while its cooldown lasts)";
  static override examples = [
    '<%= config.bin %> alerts ack al_1f2e3d4c5b6a79880011 --reason "patrol sent"',
  ];
  // oclif reads a command's own static args and flags, not inherited ones.
  static override args = AlertStateCommand.args;
  static override flags = AlertStateCommand.flags;
  protected readonly action = "ack" as const;

  run() {
    return this.applyAction(AlertsAck);
  }
}
