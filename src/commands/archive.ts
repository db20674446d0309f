import { Flags } from "@oclif/core";
import { openStore, openStream } from "../cli/backends.js";
import { backendFlags, PwCommand } from "../cli/base-command.js";
import { shutdownSignal } from "../cli/shutdown.js";
import { parseDuration } from "../domain/duration.js";
import { type ArchiveConsumerSummary, runArchiveConsumer } from "../pipeline/archive-consumer.js";
import { describeRetry } from "../pipeline/retry.js";

export default class Archive extends PwCommand {
  static override description = `Run the archive consumer: store every report exactly once
Subscribes as "archive" on the reports topic (Shared: run several to split the load) and writes reports to the store in segments; a message is acked only once its segment is durable.`;

  static override examples = [
    "<%= config.bin %> archive",
    "<%= config.bin %> archive --until-idle",
  ];

  static override flags = {
    ...backendFlags,
    "until-idle": Flags.boolean({ description: "exit once every report so far is stored" }),
    "flush-reports": Flags.integer({
      description: "write a segment at this many reports",
      default: 20_000,
      min: 1,
      env: "PW_FLUSH_REPORTS",
    }),
    "flush-interval": Flags.string({
      description: "...or this long after its first report",
      default: "1s",
      env: "PW_FLUSH_INTERVAL",
    }),
  };

  async run(): Promise<ArchiveConsumerSummary> {
    const { flags } = await this.parse(Archive);
    const settings = this.settings(flags);
    const flushMs = parseDuration(flags["flush-interval"], "--flush-interval");
    const stream = openStream(settings);
    const store = openStore(settings);
    try {
      const summary = await runArchiveConsumer({
        stream,
        store,
        flushReports: flags["flush-reports"],
        flushMs,
        signal: shutdownSignal(),
        untilIdle: flags["until-idle"],
        onRetry: (error, delayMs) =>
          this.info(describeRetry("archive: cannot write to the store", error, delayMs)),
        ...(this.verbose && {
          onFlush: (f: { stored: number; duplicates: number; rejected: number; ms: number }) =>
            this.info(
              `archive: stored ${f.stored}, skipped ${f.duplicates} duplicate(s) in ${f.ms} ms`,
            ),
        }),
      });
      this.info(
        `archive: ${summary.stored} report(s) stored, ${summary.duplicates} duplicate(s) skipped`,
      );
      return summary;
    } finally {
      await store.close();
      await stream.close();
    }
  }
}
