import { readFileSync } from "node:fs";
import { Flags } from "@oclif/core";
import { UsageError } from "../domain/errors.js";

const credentials = (helpGroup?: string) =>
  Flags.string({
    description:
      "drone credentials file (tokens stored hashed) [default: $XDG_CONFIG_HOME/pw/drones.json]",
    env: "PW_DRONE_CREDENTIALS",
    ...(helpGroup && { helpGroup }),
  });

/** The drone credentials file, shared by `pw drones ...` and `pw ingest --listen`. */
export const credentialsFlag = { credentials: credentials() };

/** Flags of the HTTP gateway (`pw ingest --listen`). */
export const gatewayFlags = {
  credentials: credentials("GATEWAY"),
  listen: Flags.string({
    description:
      "serve POST /v1/reports on HOST:PORT instead of reading files (port 0 picks a free one)",
    env: "PW_LISTEN",
    helpGroup: "GATEWAY",
  }),
  "tls-cert": Flags.string({
    description: "PEM certificate (chain) file: serve HTTPS",
    env: "PW_TLS_CERT",
    dependsOn: ["tls-key"],
    helpGroup: "GATEWAY",
  }),
  "tls-key": Flags.string({
    description: "PEM private key file of --tls-cert",
    env: "PW_TLS_KEY",
    dependsOn: ["tls-cert"],
    helpGroup: "GATEWAY",
  }),
  "max-request-bytes": Flags.integer({
    description: "largest request body; larger ones get 413",
    default: 4 * 1024 * 1024,
    min: 1,
    env: "PW_GATEWAY_MAX_REQUEST_BYTES",
    helpGroup: "GATEWAY",
  }),
  "max-in-flight": Flags.integer({
    description: "messages waiting for the stream at most; over it requests get 429",
    default: 20_000,
    min: 1,
    env: "PW_GATEWAY_MAX_IN_FLIGHT",
    helpGroup: "GATEWAY",
  }),
  "publish-timeout": Flags.string({
    description: "a request not acknowledged by the stream within this gets 503",
    default: "10s",
    env: "PW_GATEWAY_PUBLISH_TIMEOUT",
    helpGroup: "GATEWAY",
  }),
  "drain-timeout": Flags.string({
    description: "on SIGINT/SIGTERM, how long requests under way may take to finish",
    default: "10s",
    env: "PW_GATEWAY_DRAIN_TIMEOUT",
    helpGroup: "GATEWAY",
  }),
};

/** Reads --tls-cert and --tls-key, naming the flag whose file cannot be read. */
export function readTlsFiles(
  cert: string | undefined,
  key: string | undefined,
): { cert: Buffer; key: Buffer } | undefined {
  if (cert === undefined || key === undefined) return undefined;
  const read = (path: string, flag: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new UsageError(`${flag}: cannot read ${path}: ${(error as Error).message}`, error);
    }
  };
  return { cert: read(cert, "--tls-cert"), key: read(key, "--tls-key") };
}
