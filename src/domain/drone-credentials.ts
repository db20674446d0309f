import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { UsageError } from "./errors.js";

/**
 * Per-drone credentials of the HTTP gateway: one bearer token per droneId. Only a
 * SHA-256 of each token is kept. That is enough for these tokens (unlike for
 * passwords) because they are 256 random bits: nobody can guess one from its hash.
 */

/** One drone's credential as stored in the credentials file. */
export interface DroneCredential {
  droneId: string;
  /** Hex SHA-256 of the token; the token itself is shown once, by `pw drones add`. */
  tokenSha256: string;
  /** ISO-8601 time the token was issued. */
  created: string;
  /** ISO-8601 time the token was revoked; a revoked token is refused. */
  revoked?: string;
}

/** The credentials file, version 1. */
export interface DroneCredentialsFile {
  version: 1;
  drones: DroneCredential[];
}

export const EMPTY_CREDENTIALS: DroneCredentialsFile = { version: 1, drones: [] };

/** Marks pw drone tokens, so secret scanners and people recognise one. */
export const TOKEN_PREFIX = "pwd_";
const TOKEN_PATTERN = /^pwd_[A-Za-z0-9_-]{43}$/;
const HASH_PATTERN = /^[0-9a-f]{64}$/;
/** Same bounds as the report schema's droneId, without control characters. */
const MAX_DRONE_ID = 64;

/** A new token: the prefix and 256 random bits in base64url (47 characters). */
export function generateDroneToken(random: (size: number) => Buffer = randomBytes): string {
  return `${TOKEN_PREFIX}${random(32).toString("base64url")}`;
}

export function hashDroneToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Checks a droneId given to `pw drones add|revoke`: what a report's droneId may be. */
export function checkDroneId(droneId: string): string {
  const control = [...droneId].some((c) => (c.codePointAt(0) as number) < 0x20 || c === "\u007f");
  if (droneId.length < 1 || droneId.length > MAX_DRONE_ID || control) {
    throw new UsageError(
      `drone id ${JSON.stringify(droneId)}: use 1 to ${MAX_DRONE_ID} printable characters, as in the reports' droneId`,
    );
  }
  return droneId;
}

/** Validates a parsed credentials file, naming what is wrong. */
export function checkCredentialsFile(value: unknown, where: string): DroneCredentialsFile {
  const fail = (why: string): never => {
    throw new UsageError(`${where}: ${why} (manage it with pw drones add|revoke)`);
  };
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return fail("it must hold a JSON object");
  }
  const file = value as { version?: unknown; drones?: unknown };
  if (file.version !== 1) fail(`unsupported version ${JSON.stringify(file.version)}, expected 1`);
  if (!Array.isArray(file.drones)) return fail("drones must be an array");
  const seen = new Set<string>();
  const drones = file.drones.map((entry: unknown, i): DroneCredential => {
    const e = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
    const at = `drones[${i}]`;
    if (typeof e.droneId !== "string") return fail(`${at}.droneId must be a string`);
    if (seen.has(e.droneId)) fail(`${at}: drone ${JSON.stringify(e.droneId)} appears twice`);
    seen.add(e.droneId);
    if (typeof e.tokenSha256 !== "string" || !HASH_PATTERN.test(e.tokenSha256)) {
      fail(`${at}.tokenSha256 must be 64 lowercase hex digits`);
    }
    for (const key of ["created", "revoked"] as const) {
      const time = e[key];
      if (key === "revoked" && time === undefined) continue;
      if (typeof time !== "string" || Number.isNaN(Date.parse(time))) {
        fail(`${at}.${key} must be an ISO-8601 time`);
      }
    }
    return {
      droneId: e.droneId,
      tokenSha256: e.tokenSha256 as string,
      created: e.created as string,
      ...(e.revoked !== undefined && { revoked: e.revoked as string }),
    };
  });
  return { version: 1, drones };
}

/**
 * Issues a token for a drone. A drone whose token was revoked gets a new one;
 * a drone with a valid token must be revoked first, so a token is never
 * replaced by accident.
 */
export function addDroneCredential(
  file: DroneCredentialsFile,
  droneId: string,
  now: number,
  token: string = generateDroneToken(),
): { file: DroneCredentialsFile; token: string; credential: DroneCredential } {
  checkDroneId(droneId);
  const existing = file.drones.find((d) => d.droneId === droneId);
  if (existing && existing.revoked === undefined) {
    throw new UsageError(
      `drone ${JSON.stringify(droneId)} already has a token; revoke it first (pw drones revoke ${droneId}) to issue a new one`,
    );
  }
  const credential: DroneCredential = {
    droneId,
    tokenSha256: hashDroneToken(token),
    created: new Date(now).toISOString(),
  };
  return {
    file: { version: 1, drones: [...file.drones.filter((d) => d !== existing), credential] },
    token,
    credential,
  };
}

/** Revokes a drone's token; revoking twice keeps the first time. */
export function revokeDroneCredential(
  file: DroneCredentialsFile,
  droneId: string,
  now: number,
): { file: DroneCredentialsFile; credential: DroneCredential } {
  const existing = file.drones.find((d) => d.droneId === droneId);
  if (!existing) {
    throw new UsageError(
      `drone ${JSON.stringify(droneId)} has no token (see them with pw drones list)`,
    );
  }
  const credential: DroneCredential = {
    ...existing,
    revoked: existing.revoked ?? new Date(now).toISOString(),
  };
  return {
    file: { version: 1, drones: file.drones.map((d) => (d === existing ? credential : d)) },
    credential,
  };
}

/** Looks tokens up by their hash: what the gateway asks of every request. */
export class DroneTokenIndex {
  private readonly byHash = new Map<string, DroneCredential>();

  constructor(file: DroneCredentialsFile) {
    for (const d of file.drones) if (d.revoked === undefined) this.byHash.set(d.tokenSha256, d);
  }

  /** The drone a token belongs to, or undefined for an unknown, malformed or revoked token. */
  droneFor(token: string): string | undefined {
    if (!TOKEN_PATTERN.test(token)) return undefined;
    const hash = hashDroneToken(token);
    const found = this.byHash.get(hash);
    // The map lookup already matched; comparing in constant time keeps the check
    // itself from depending on how many leading bytes of a guess were right.
    if (!found) return undefined;
    const a = Buffer.from(found.tokenSha256, "hex");
    const b = Buffer.from(hash, "hex");
    return timingSafeEqual(a, b) ? found.droneId : undefined;
  }
}
