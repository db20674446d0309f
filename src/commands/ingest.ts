import { createReadStream, statSync } from "node:fs";
import { Args, Flags } from "@oclif/core";
import { Topics } from "../backends/stream/types.js";
import { openStream } from "../cli/backends.js";
import { backendFlags, PwCommand } from "../cli/base-command.js";
import { clearProgress, progressReporter } from "../cli/progress.js";
import { RejectedInputError, UsageError } from "../domain/errors.js";
import { type IngestInput, type IngestSummary, ingest } from "../pipeline/ingest.js";

export default class Ingest extends PwCommand {
  static override description =
    `Read reports (NDJSON or historical CSV) and publish them to the reports topic
Valid reports are published keyed by droneId; each invalid one goes to the reports-dlq topic with its source, line number and reason. Exits 0 once the input was read, even with bad lines (use --strict to fail on any).`;

  static override examples = [
    "<%= config.bin %> simulate --count 1000 | <%= config.bin %> ingest -",
    "<%= config.bin %> ingest reports-2025.csv --format csv",
  ];

  static override strict = false;
  static override args = {
    // ignoreStdin: oclif would otherwise take piped input as the argument itself.
    files: Args.string({ description: "files to read; - or none reads stdin", ignoreStdin: true }),
  };

  static override flags = {
    ...backendFlags,
    format: Flags.string({
      description: "input format",
      options: ["ndjson", "csv"],
      default: "ndjson",
      env: "PW_INGEST_FORMAT",
    }),
    strict: Flags.boolean({ description: "exit non-zero if any record was invalid" }),
  };

  async run(): Promise<IngestSummary> {
    const { flags, argv } = await this.parse(Ingest);
    const settings = this.settings(flags);
    const inputs = openInputs(argv as string[]);
    const stream = openStream(settings);
    try {
      const reports = await stream.createProducer({ topic: Topics.reports });
      const deadLetters = await stream.createProducer({ topic: Topics.reportsDeadLetter });
      const summary = await ingest(inputs, {
        reports,
        deadLetters,
        format: flags.format as "ndjson" | "csv",
        onProgress: progressReporter(),
      });
      clearProgress();
      this.info(
        `ingested ${summary.accepted} report(s), dead-lettered ${summary.deadLettered}, in ${(summary.elapsedMs / 1000).toFixed(1)} s (${summary.perSecond}/s)` +
          (summary.deadLettered > 0 ? ` — see them with: pw dead-letters` : ""),
      );
      if (flags.strict && summary.deadLettered > 0) {
        throw new RejectedInputError(
          `--strict: ${summary.deadLettered} invalid record(s) were dead-lettered`,
        );
      }
      return summary;
    } finally {
      await stream.close();
    }
  }
}

function openInputs(args: string[]): IngestInput[] {
  if (args.length === 0 || (args.length === 1 && args[0] === "-")) {
    return [{ name: "stdin", stream: process.stdin }];
  }
  return args.map((path) => {
    if (path === "-") return { name: "stdin", stream: process.stdin };
    let size: number;
    try {
      size = statSync(path).size;
    } catch (error) {
      throw new UsageError(`cannot read ${path}: ${(error as Error).message}`, error);
    }
    return { name: path, stream: createReadStream(path), sizeBytes: size };
  });
}
