import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../domain/errors.js";

/** Settings read from `$XDG_CONFIG_HOME/pw/config.json`; flags and PW_* variables win over them. */
export interface ConfigFile {
  dataDir?: string;
  stream?: string;
  store?: string;
  operator?: string;
  /** The HTTP gateway's drone credentials file (`pw drones add|list|revoke`). */
  droneCredentials?: string;
}

export function configFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), ".config"), "pw", "config.json");
}

export function readConfigFile(env: NodeJS.ProcessEnv = process.env): ConfigFile {
  const path = configFilePath(env);
  if (!existsSync(path)) return {};
  try {
    const value = JSON.parse(readFileSync(path, "utf8")) as unknown;
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new Error("it must hold a JSON object");
    }
    return value as ConfigFile;
  } catch (error) {
    throw new UsageError(`cannot read the config file ${path}: ${(error as Error).message}`, error);
  }
}

/** Where pw keeps its data when nothing says otherwise: under the XDG data dir. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "pw");
}

export interface BackendSettings {
  dataDir: string;
  stream: string;
  store: string;
}

/** Flag values (already merged with PW_* env by oclif) over the config file over defaults. */
export function resolveBackendSettings(flags: {
  "data-dir"?: string | undefined;
  stream?: string | undefined;
  store?: string | undefined;
}): BackendSettings {
  const file = readConfigFile();
  return {
    dataDir: flags["data-dir"] ?? file.dataDir ?? defaultDataDir(),
    stream: flags.stream ?? file.stream ?? "embedded",
    store: flags.store ?? file.store ?? "embedded",
  };
}

/** Where `pw drones` keeps the gateway's credentials by default: beside the config file. */
export function defaultCredentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), ".config"), "pw", "drones.json");
}

/** `--credentials` (or PW_DRONE_CREDENTIALS, merged by oclif) over the config file over the default. */
export function resolveCredentialsPath(flag: string | undefined): string {
  return flag ?? readConfigFile().droneCredentials ?? defaultCredentialsPath();
}
