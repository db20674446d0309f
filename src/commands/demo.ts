import { randomInt } from "node:crypto";
import { Flags } from "@oclif/core";
import chalk from "chalk";
import { alertPrinter } from "../cli/alert-output.js";
import { openStore, openStream } from "../cli/backends.js";
import { backendFlags, PwCommand } from "../cli/base-command.js";
import { loadRuleSet } from "../cli/rules.js";
import { shutdownSignal } from "../cli/shutdown.js";
import { UsageError } from "../domain/errors.js";
import { createSimulation } from "../domain/simulation/simulation.js";
import { type DemoSummary, runDemo } from "../pipeline/demo.js";

export default class Demo extends PwCommand {
  static override description =
    `Run the whole job for a short while: simulate -> ingest -> alerts + archive
Alerts print as they fire; at the end a summary, and the data stays for pw query.`;

  static override examples = [
    "<%= config.bin %> demo",
    "<%= config.bin %> demo --count 100000 --rate 20000",
  ];
  static override enableJsonFlag = true;

  static override flags = {
    ...backendFlags,
    count: Flags.integer({ description: "reports to simulate", default: 30_000, min: 1 }),
    rate: Flags.integer({ description: "reports per second", default: 6_000, min: 1 }),
    drones: Flags.integer({ description: "drones in the air", default: 100, min: 1 }),
    seed: Flags.integer({ description: "simulation seed [default: random]" }),
    "agitated-ratio": Flags.string({
      description: "share of reports with an agitated citizen",
      default: "0.005",
    }),
  };

  async run(): Promise<DemoSummary> {
    const { flags } = await this.parse(Demo);
    const settings = this.settings(flags);
    const agitatedRatio = Number(flags["agitated-ratio"]);
    if (!(agitatedRatio >= 0 && agitatedRatio <= 1))
      throw new UsageError("--agitated-ratio must be between 0 and 1");
    const seed = flags.seed ?? randomInt(1, 2 ** 31 - 1);
    const stream = openStream(settings);
    const store = openStore(settings);
    const json = this.jsonEnabled();
    if (!json) {
      this.info(
        `pw demo: ${flags.count} reports from ${flags.drones} drones at ${flags.rate}/s (seed ${seed}), data in ${settings.dataDir}`,
      );
    }
    try {
      const summary = await runDemo({
        stream,
        store,
        ruleSet: loadRuleSet({}),
        simulation: createSimulation({
          seed,
          drones: flags.drones,
          // The simulated period ends now, so "the last hours" questions find it.
          startMs: Math.floor(Date.now() / 60_000 - flags.count / flags.drones) * 60_000,
          droneIntervalMs: 60_000,
          agitatedRatio,
        }),
        count: flags.count,
        ratePerSecond: flags.rate,
        ...(!json && { onAlert: alertPrinter() }),
        signal: shutdownSignal(),
      });
      if (!json) this.printSummary(summary);
      return summary;
    } finally {
      await store.close();
      await stream.close();
    }
  }

  private printSummary(s: DemoSummary): void {
    const top =
      s.topAgitated.map((r) => `${r.citizen} (${r.agitatedSightings}×)`).join(", ") || "nobody";
    this.log(
      [
        "",
        chalk.bold("Summary"),
        `  reports simulated ${s.simulated}, ingested ${s.ingested}, stored ${s.stored} in ${(s.elapsedMs / 1000).toFixed(1)} s`,
        `  alerts opened ${s.alertsOpened} (${s.alertEvents} alert events); store total ${s.status.reports.stored} reports, ${s.status.alerts.open} open alerts`,
        `  most agitated: ${top}`,
        "",
        "Next, ask the data:",
        "  pw status",
        "  pw query top-agitated",
        "  pw query agitated-trend --interval 1m",
        `  pw query sql "SELECT drone_id, min(battery) FROM reports GROUP BY ALL ORDER BY 2 LIMIT 5"`,
      ].join("\n"),
    );
  }
}
