import { Flags } from "@oclif/core";
import { alertPrinter } from "../cli/alert-output.js";
import { withAlertingSetup } from "../cli/alerting-setup.js";
import { backendFlags, PwCommand } from "../cli/base-command.js";
import { notifyFlags } from "../cli/notify-flags.js";
import { ruleFlags } from "../cli/rule-flags.js";
import { shutdownSignal } from "../cli/shutdown.js";
import { describeRetry } from "../pipeline/retry.js";
import { type PipelineSummary, runPipeline } from "../pipeline/run-pipeline.js";

export default class Run extends PwCommand {
  static override description =
    "Run the alert and archive consumers together in one process (alerts on stdout)";

  static override examples = [
    "<%= config.bin %> run",
    "<%= config.bin %> simulate --count 100000 --seed 7 | <%= config.bin %> ingest - && <%= config.bin %> run --until-idle",
  ];

  static override flags = {
    ...backendFlags,
    ...ruleFlags,
    ...notifyFlags,
    "until-idle": Flags.boolean({
      description: "exit once every report so far is processed and stored",
    }),
  };

  async run(): Promise<PipelineSummary> {
    const { flags } = await this.parse(Run);
    const settings = this.settings(flags);
    return withAlertingSetup(
      settings,
      flags,
      (m) => this.info(m),
      async (setup) => {
        const summary = await runPipeline({
          ...setup,
          onAlert: alertPrinter(),
          signal: shutdownSignal(),
          untilIdle: flags["until-idle"],
          onRetry: (error, delayMs) => this.info(describeRetry("run", error, delayMs)),
        });
        this.info(
          `run: ${summary.archive.stored} report(s) stored (${summary.archive.duplicates} duplicate(s) skipped), ${summary.alerts.opened} alert(s) opened`,
        );
        return summary;
      },
    );
  }
}
