import { Flags } from "@oclif/core";
import { openStore, openStream } from "../cli/backends.js";
import { backendFlags, PwCommand } from "../cli/base-command.js";
import { shutdownSignal } from "../cli/shutdown.js";
import { parseDuration } from "../domain/duration.js";
import { UsageError } from "../domain/errors.js";
import { runDashboard } from "../tui/dashboard/run-dashboard.js";
import { isInteractiveTerminal } from "../tui/terminal.js";

export default class Dashboard extends PwCommand {
  static override description = `Show a live dashboard of the alerts and the reports in the terminal
A map of recent alert positions, the average score and crowd size over the last 6 hours, the most agitated citizens, the alert rate and the latest alerts, redrawn every --refresh. Press q to quit.`;

  static override examples = [
    "<%= config.bin %> dashboard",
    "<%= config.bin %> dashboard --refresh 2s",
  ];

  static override flags = {
    ...backendFlags,
    refresh: Flags.string({
      description: "how often the dashboard reads the store (500ms, 5s, 1m)",
      default: "5s",
      env: "PW_DASHBOARD_REFRESH",
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Dashboard);
    const settings = this.settings(flags);
    const refreshMs = parseDuration(flags.refresh, "--refresh");
    if (refreshMs < 200) throw new UsageError("--refresh must be at least 200ms");
    if (!isInteractiveTerminal(process.stdin, process.stdout, process.env)) {
      throw new UsageError(
        "pw dashboard needs a terminal: run it in an interactive terminal (for data in a pipe, use pw status --json or pw query)",
      );
    }
    const stream = openStream(settings);
    const store = openStore(settings);
    try {
      await runDashboard({ stream, store, refreshMs, signal: shutdownSignal() });
    } finally {
      await store.close();
      await stream.close();
    }
  }
}
