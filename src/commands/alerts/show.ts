import { Args } from "@oclif/core";
import type { AlertWithAudit } from "../../backends/store/types.js";
import { openStore } from "../../cli/backends.js";
import { backendFlags, PwCommand } from "../../cli/base-command.js";
import { AlertNotFoundError } from "../../domain/alert-lifecycle.js";

export default class AlertsShow extends PwCommand {
  static override description = "Show one alert with its audit trail";
  static override examples = ["<%= config.bin %> alerts show al_1f2e3d4c5b6a79880011"];
  static override enableJsonFlag = true;
  static override args = { id: Args.string({ description: "alertId", required: true }) };
  static override flags = { ...backendFlags };

  async run(): Promise<AlertWithAudit> {
    const { args, flags } = await this.parse(AlertsShow);
    const store = openStore(this.settings(flags));
    try {
      const alert = await store.getAlert(args.id);
      if (!alert) throw new AlertNotFoundError(args.id);
      if (!this.jsonEnabled()) this.log(describeAlert(alert));
      return alert;
    } finally {
      await store.close();
    }
  }
}

export function describeAlert(a: AlertWithAudit): string {
  const lines = [
    `${a.alertId}  ${a.state.toUpperCase()}  ${a.severity} (rule ${a.rule})`,
    `citizen     ${a.citizen}`,
    `score       ${a.score} at first, ${a.lastScore} last`,
    `seen        ${a.occurrences} time(s), ${a.reportTs} .. ${a.lastReportTs}`,
    `drone       ${a.droneId} at ${a.location.lat},${a.location.lon}; last ${a.lastDroneId} at ${a.lastLocation.lat},${a.lastLocation.lon}`,
    `words       ${a.words.join(" ")}`,
    `detected    ${a.detectedAt}`,
  ];
  if (a.audit.length === 0) lines.push("audit       (no changes)");
  for (const e of a.audit)
    lines.push(`audit       ${e.at} ${e.operator} ${e.action} (${e.from} -> ${e.to}): ${e.reason}`);
  return lines.join("\n");
}
