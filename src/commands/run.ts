import { Flags } from "@oclif/core";
import { alertPrinter } from "../cli/alert-output.js";
import { openStore, openStream } from "../cli/backends.js";
import { backendFlags, PwCommand } from "../cli/base-command.js";
import { notifierFromFlags, notifyFlags } from "../cli/notify-flags.js";
import { ruleFlags, ruleOptions } from "../cli/rule-flags.js";
import { watchRuleFile } from "../cli/rules.js";
import { shutdownSignal } from "../cli/shutdown.js";
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
    const rules = watchRuleFile(ruleOptions(flags), (m) => this.info(m));
    const stream = openStream(settings);
    const store = openStore(settings);
    const notify = await notifierFromFlags(flags, stream, (m) => this.info(m));
    try {
      const summary = await runPipeline({
        ...(notify && { notifier: notify.notifier }),
        stream,
        store,
        ruleSet: rules.current,
        onAlert: alertPrinter(),
        signal: shutdownSignal(),
        untilIdle: flags["until-idle"],
      });
      this.info(
        `run: ${summary.archive.stored} report(s) stored (${summary.archive.duplicates} duplicate(s) skipped), ${summary.alerts.opened} alert(s) opened`,
      );
      return summary;
    } finally {
      rules.close();
      await notify?.close();
      await store.close();
      await stream.close();
    }
  }
}
