import { createReadStream, statSync } from "node:fs";
import { Args, Flags, type Interfaces } from "@oclif/core";
import { Topics } from "../backends/stream/types.js";
import { openStream } from "../cli/backends.js";
import { backendFlags, PwCommand } from "../cli/base-command.js";
import { resolveCredentialsPath } from "../cli/config.js";
import { gatewayFlags, readTlsFiles } from "../cli/gateway-flags.js";
import { clearProgress, progressReporter } from "../cli/progress.js";
import { shutdownSignal } from "../cli/shutdown.js";
import { parseDuration } from "../domain/duration.js";
import { RejectedInputError, UsageError } from "../domain/errors.js";
import { parseListenAddress } from "../pipeline/gateway/listen-address.js";
import { serveGateway } from "../pipeline/gateway/serve.js";
import type { GatewaySummary } from "../pipeline/gateway/server.js";
import { type IngestInput, type IngestSummary, ingest } from "../pipeline/ingest.js";
import { describeRetry } from "../pipeline/retry.js";

export default class Ingest extends PwCommand {
  static override description =
    `Read reports (NDJSON or historical CSV) and publish them to the reports topic
Valid reports are published keyed by droneId; each invalid one goes to the reports-dlq topic with its source, line number and reason. Exits 0 once the input was read, even with bad lines (use --strict to fail on any).

With --listen HOST:PORT it serves drones over HTTP(S) instead: POST /v1/reports (one report, or NDJSON) with "Authorization: Bearer <token>" from pw drones add; 200 once the stream has the reports, 400 with per-line errors (valid lines still accepted), 401 bad token, 403 another drone's reports, 413 too large, 429 + Retry-After when the stream pushes back, 503 when it is down. GET /healthz. SIGINT/SIGTERM drains the requests under way and exits 0.`;

  static override examples = [
    "<%= config.bin %> simulate --count 1000 | <%= config.bin %> ingest -",
    "<%= config.bin %> ingest reports-2025.csv --format csv",
    "<%= config.bin %> ingest --listen 0.0.0.0:8443 --tls-cert cert.pem --tls-key key.pem",
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
    ...gatewayFlags,
  };

  async run(): Promise<IngestSummary | GatewaySummary> {
    const { flags, argv } = await this.parse(Ingest);
    const settings = this.settings(flags);
    if (flags.listen !== undefined) return this.serve(flags, argv as string[]);
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
        // Re-sends are otherwise silent: say why ingest seems to stall.
        onRetry: (error, delayMs) => {
          clearProgress();
          this.info(describeRetry("ingest: the stream did not acknowledge", error, delayMs));
        },
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

  private async serve(
    flags: Interfaces.InferredFlags<typeof Ingest.flags>,
    files: string[],
  ): Promise<GatewaySummary> {
    if (files.length > 0 || flags.strict || flags.format !== "ndjson") {
      throw new UsageError(
        "--listen serves HTTP: it takes no FILE argument, no --strict and no --format (drones send NDJSON or JSON)",
      );
    }
    const listen = parseListenAddress(flags.listen as string);
    const tls = readTlsFiles(flags["tls-cert"], flags["tls-key"]);
    const publishTimeoutMs = parseDuration(flags["publish-timeout"], "--publish-timeout");
    const drainTimeoutMs = parseDuration(flags["drain-timeout"], "--drain-timeout");
    const signal = shutdownSignal();
    const stream = openStream(this.settings(flags));
    try {
      const summary = await serveGateway({
        stream,
        listen,
        tls,
        credentialsPath: resolveCredentialsPath(flags.credentials),
        maxRequestBytes: flags["max-request-bytes"],
        maxInFlight: flags["max-in-flight"],
        publishTimeoutMs,
        drainTimeoutMs,
        signal,
        log: (line) => this.info(line),
        logRequests: this.verbose,
        onListening: (url) => this.info(`listening on ${url} (stream: ${stream.description})`),
      });
      const statuses = Object.entries(summary.byStatus)
        .map(([status, count]) => `${status}: ${count}`)
        .join(", ");
      this.info(
        `gateway stopped: ${summary.requests} request(s) (${statuses || "none"}), accepted ${summary.accepted} report(s), dead-lettered ${summary.deadLettered}`,
      );
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
