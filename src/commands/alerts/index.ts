import { Flags } from "@oclif/core";
import { alertPrinter } from "../../cli/alert-output.js";
import { openStore, openStream } from "../../cli/backends.js";
import { backendFlags, PwCommand } from "../../cli/base-command.js";
import { notifierFromFlags, notifyFlags } from "../../cli/notify-flags.js";
import { ruleFlags, ruleOptions } from "../../cli/rule-flags.js";
import { watchRuleFile } from "../../cli/rules.js";
import { shutdownSignal } from "../../cli/shutdown.js";
import { type AlertConsumerSummary, runAlertConsumer } from "../../pipeline/alert-consumer.js";

export default class Alerts extends PwCommand {
  static override description =
    `Run the alert consumer: raise an alert the moment a citizen's score turns bad
Subscribes as "alerts" on the reports topic. Each alert names the citizen, the score, the drone and its location; repeats within the cooldown fold into the open alert. Alerts go to the alerts topic, the store, and stdout (NDJSON when piped, readable lines on a terminal).`;

  static override examples = [
    "<%= config.bin %> alerts",
    "<%= config.bin %> alerts --threshold 1.5 | jq .citizen",
    "<%= config.bin %> alerts --rules rules.json",
  ];

  static override flags = {
    ...backendFlags,
    ...ruleFlags,
    ...notifyFlags,
    "until-idle": Flags.boolean({
      description: "exit once every report so far has been processed",
    }),
    format: Flags.string({
      description: "output: ndjson or human [default: human on a TTY]",
      options: ["ndjson", "human"],
    }),
  };

  async run(): Promise<AlertConsumerSummary> {
    const { flags } = await this.parse(Alerts);
    const settings = this.settings(flags);
    const rules = watchRuleFile(ruleOptions(flags), (m) => this.info(m));
    const stream = openStream(settings);
    const store = openStore(settings);
    const notify = await notifierFromFlags(flags, stream, (m) => this.info(m));
    try {
      const summary = await runAlertConsumer({
        ...(notify && { notifier: notify.notifier }),
        stream,
        store,
        ruleSet: rules.current,
        onAlert: alertPrinter(process.stdout, flags.format as "ndjson" | "human" | undefined),
        signal: shutdownSignal(),
        untilIdle: flags["until-idle"],
      });
      this.info(
        `alerts: ${summary.reports} report(s) checked, ${summary.opened} alert(s) opened, ${summary.events} event(s)`,
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
