import { Command, Flags, type Interfaces } from "@oclif/core";
import { PwError } from "../domain/errors.js";
import { type BackendSettings, resolveBackendSettings } from "./config.js";

/** Flags every command that touches data shares. */
export const backendFlags = {
  "data-dir": Flags.string({
    description: "where the embedded log and store live [default: $XDG_DATA_HOME/pw]",
    env: "PW_DATA_DIR",
    helpGroup: "BACKEND",
  }),
  stream: Flags.string({
    description:
      'stream backend: "embedded" (default) or pulsar://HOST:6650 (pulsar+ssl:// for TLS)',
    env: "PW_STREAM_URL",
    helpGroup: "BACKEND",
  }),
  store: Flags.string({
    description: 'store backend: "embedded" (default) or http(s)://HOST:9200 (OpenSearch)',
    env: "PW_STORE_URL",
    helpGroup: "BACKEND",
  }),
  verbose: Flags.boolean({
    description: "show causes and stack traces of errors",
    env: "PW_VERBOSE",
  }),
};

/**
 * Base of every pw command: the one place where errors become a message and an
 * exit code. Expected failures (PwError) print one line; defects print the stack.
 */
export abstract class PwCommand extends Command {
  protected verbose = false;

  protected settings(flags: Interfaces.InferredFlags<typeof backendFlags>): BackendSettings {
    this.verbose = flags.verbose;
    return resolveBackendSettings(flags);
  }

  /** Writes a line to stderr: progress, info and warnings never go to stdout. */
  protected info(message: string): void {
    process.stderr.write(`${message}\n`);
  }

  protected override async catch(
    error: Error & { exitCode?: number; oclif?: unknown },
  ): Promise<unknown> {
    const verbose =
      this.verbose || process.argv.includes("--verbose") || Boolean(process.env.DEBUG);
    if (error instanceof PwError) {
      process.stderr.write(`pw: ${error.message}\n`);
      if (verbose) {
        process.stderr.write(`${error.stack ?? ""}\n`);
        if (error.cause) process.stderr.write(`caused by: ${describeCause(error.cause)}\n`);
      }
      this.exit(error.exitCode);
    }
    // oclif's own errors (bad flags, exit) carry their exit codes: let oclif print them.
    if (error.oclif !== undefined) throw error;
    process.stderr.write(
      `pw: unexpected error (a defect, please report it): ${error.stack ?? error.message}\n`,
    );
    this.exit(70);
  }
}

function describeCause(cause: unknown): string {
  return cause instanceof Error ? (cause.stack ?? cause.message) : String(cause);
}
