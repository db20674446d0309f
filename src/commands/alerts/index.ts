import { Flags } from "@oclif/core";
import { alertPrinter } from "../../cli/alert-output.js";
import { withAlertingSetup } from "../../cli/alerting-setup.js";
import { openStore, openStream } from "../../cli/backends.js";
import { backendFlags, PwCommand } from "../../cli/base-command.js";
import type { BackendSettings } from "../../cli/config.js";
import { notifyFlags } from "../../cli/notify-flags.js";
import { resolveOperator } from "../../cli/operator.js";
import { ruleFlags } from "../../cli/rule-flags.js";
import { shutdownSignal } from "../../cli/shutdown.js";
import { type AlertConsumerSummary, runAlertConsumer } from "../../pipeline/alert-consumer.js";
import { changeAlertState } from "../../pipeline/alert-state.js";
import { describeRetry } from "../../pipeline/retry.js";
import type { AlertActions } from "../../tui/alert-actions.js";
import { type NdjsonWatchSummary, watchAlertsAsNdjson } from "../../tui/ndjson-watch.js";
import { type AlertWatchSummary, runAlertWatch } from "../../tui/run-alert-watch.js";
import { isInteractiveTerminal } from "../../tui/terminal.js";

export default class Alerts extends PwCommand {
  static override description =
    `Run the alert consumer: raise an alert the moment a citizen's score turns bad
Subscribes as "alerts" on the reports topic. Each alert names the citizen, the score, the drone and its location; repeats within the cooldown fold into the open alert. Alerts go to the alerts topic, the store, and stdout (NDJSON when piped, readable lines on a terminal).
With --watch it consumes nothing: it watches the alerts the consumers raise, in a live console on a terminal (press ? for the keys) or as NDJSON alert events when piped.`;

  static override examples = [
    "<%= config.bin %> alerts",
    "<%= config.bin %> alerts --threshold 1.5 | jq .citizen",
    "<%= config.bin %> alerts --rules rules.json",
    "<%= config.bin %> alerts --watch",
    "<%= config.bin %> alerts --watch | jq -c '{event, citizen, lastScore}'",
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
    watch: Flags.boolean({
      description:
        "watch the alerts live instead of consuming reports: a console on a terminal, NDJSON alert events when piped",
      exclusive: ["until-idle", "format"],
    }),
    readonly: Flags.boolean({
      // No dependsOn: a PW_READONLY set for the console must not break plain `pw alerts`.
      description: "with --watch: no acking, resolving or muting from the console",
      env: "PW_READONLY",
    }),
  };

  async run(): Promise<AlertConsumerSummary | AlertWatchSummary | NdjsonWatchSummary> {
    const { flags } = await this.parse(Alerts);
    const settings = this.settings(flags);
    if (flags.watch) return this.watch(settings, flags.readonly);
    return withAlertingSetup(
      settings,
      flags,
      (m) => this.info(m),
      async (setup) => {
        const summary = await runAlertConsumer({
          ...setup,
          onAlert: alertPrinter(process.stdout, flags.format as "ndjson" | "human" | undefined),
          signal: shutdownSignal(),
          untilIdle: flags["until-idle"],
          onRetry: (error, delayMs) => this.info(describeRetry("alerts", error, delayMs)),
        });
        this.info(
          `alerts: ${summary.reports} report(s) checked, ${summary.opened} alert(s) opened, ${summary.events} event(s)`,
        );
        return summary;
      },
    );
  }

  /** --watch: the live console on a terminal, NDJSON alert events otherwise. */
  private async watch(
    settings: BackendSettings,
    readonly: boolean,
  ): Promise<AlertWatchSummary | NdjsonWatchSummary> {
    const stream = openStream(settings);
    try {
      if (!isInteractiveTerminal(process.stdin, process.stdout, process.env)) {
        const summary = await watchAlertsAsNdjson({
          stream,
          out: process.stdout,
          signal: shutdownSignal(),
          onUnreadable: (count) => this.info(`alerts: skipped ${count} unreadable alert event(s)`),
        });
        this.info(`alerts: ${summary.events} alert event(s) printed`);
        return summary;
      }
      const store = openStore(settings);
      try {
        // The store has no alert lifecycle yet: the console runs without actions (read-only).
        const operator = resolveOperator(undefined);
        const change = (alertId: string, action: "ack" | "resolve", reason: string) =>
          changeAlertState(store, stream, alertId, action, {
            operator,
            reason,
            at: Date.now(),
          }).then(() => undefined);
        const actions: AlertActions = {
          ack: (alertId, reason) => change(alertId, "ack", reason),
          resolve: (alertId, reason) => change(alertId, "resolve", reason),
        };
        return await runAlertWatch({ stream, store, readonly, actions, signal: shutdownSignal() });
      } finally {
        await store.close();
      }
    } finally {
      await stream.close();
    }
  }
}
