import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import {
  addDroneCredential,
  checkCredentialsFile,
  type DroneCredentialsFile,
  DroneTokenIndex,
  EMPTY_CREDENTIALS,
  revokeDroneCredential,
} from "../domain/drone-credentials.js";
import { UsageError } from "../domain/errors.js";

/** One row of `pw drones list`: never a hash, never a token. */
export interface DroneListEntry {
  droneId: string;
  created: string;
  revoked: string | null;
}

/** What `pw drones list --json` prints. */
export interface DroneListResult {
  credentials: string;
  drones: DroneListEntry[];
}

/** What `pw drones add --json` prints; the token is shown this once. */
export interface DroneAddResult {
  droneId: string;
  created: string;
  token: string;
}

/** What `pw drones revoke --json` prints. */
export interface DroneRevokeResult {
  droneId: string;
  revoked: string;
}

/** Reads the credentials file; a file that does not exist yet holds no drones. */
export function readCredentials(path: string): DroneCredentialsFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return EMPTY_CREDENTIALS;
    throw new UsageError(
      `cannot read the drone credentials ${path}: ${(error as Error).message}`,
      error,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path}: not JSON (${(error as Error).message})`, error);
  }
  return checkCredentialsFile(value, path);
}

/**
 * Replaces the credentials file atomically (a reader sees the old or the new
 * file, never half of one), readable by its owner only.
 */
export function writeCredentials(path: string, file: DroneCredentialsFile): void {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: "wx" });
    chmodSync(temp, 0o600); // the umask may have narrowed it further, never widened it: be exact
    renameSync(temp, path);
  } catch (error) {
    throw new UsageError(
      `cannot write the drone credentials ${path}: ${(error as Error).message}`,
      error,
    );
  }
}

export function addDrone(path: string, droneId: string, now = Date.now()): DroneAddResult {
  const { file, token, credential } = addDroneCredential(readCredentials(path), droneId, now);
  writeCredentials(path, file);
  return { droneId, created: credential.created, token };
}

export function revokeDrone(path: string, droneId: string, now = Date.now()): DroneRevokeResult {
  const { file, credential } = revokeDroneCredential(readCredentials(path), droneId, now);
  writeCredentials(path, file);
  return { droneId, revoked: credential.revoked as string };
}

export function listDrones(path: string): DroneListResult {
  return {
    credentials: path,
    drones: readCredentials(path).drones.map((d) => ({
      droneId: d.droneId,
      created: d.created,
      revoked: d.revoked ?? null,
    })),
  };
}

/**
 * The gateway's view of the credentials file, reloaded when the file changes
 * (checked at most once per `checkEveryMs`), so `pw drones revoke` takes effect
 * without restarting the gateway. A file that turns invalid keeps the last good
 * credentials and is reported through `onReloadError`.
 */
export class DroneCredentialSource {
  private index: DroneTokenIndex;
  private version: string;
  private checkedAt: number;

  constructor(
    private readonly path: string,
    private readonly options: {
      checkEveryMs?: number;
      now?: () => number;
      onReloadError?: (error: Error) => void;
    } = {},
  ) {
    this.version = this.fileVersion();
    this.index = new DroneTokenIndex(readCredentials(path));
    this.checkedAt = this.now();
  }

  /** The drone a bearer token belongs to; undefined when unknown or revoked. */
  droneFor(token: string): string | undefined {
    this.refresh();
    return this.index.droneFor(token);
  }

  private refresh(): void {
    const now = this.now();
    if (now - this.checkedAt < (this.options.checkEveryMs ?? 1000)) return;
    this.checkedAt = now;
    const version = this.fileVersion();
    if (version === this.version) return;
    try {
      this.index = new DroneTokenIndex(readCredentials(this.path));
      this.version = version;
    } catch (error) {
      this.options.onReloadError?.(error as Error);
    }
  }

  /** Changes whenever the file is replaced (rename gives a new inode) or rewritten. */
  private fileVersion(): string {
    try {
      const s = statSync(this.path);
      return `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch {
      return "absent"; // read as no drones: every token is refused
    }
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
