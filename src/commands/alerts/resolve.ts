import { AlertStateCommand } from "../../cli/alert-state-command.js";

export default class AlertsResolve extends AlertStateCommand {
  static override description =
    "Resolve an alert: it is closed, and a new sighting of the citizen opens a new alert";
  static override examples = [
    '<%= config.bin %> alerts resolve al_1f2e3d4c5b6a79880011 --reason "crowd dispersed"',
  ];
  // oclif reads a command's own static args and flags, not inherited ones.
  static override args = AlertStateCommand.args;
  static override flags = AlertStateCommand.flags;
  protected readonly action = "resolve" as const;

  run() {
    return this.applyAction(AlertsResolve);
  }
}
