import { readFileSync } from "node:fs";
import { UsageError } from "../../../domain/errors.js";

/** How writes are cut into `_bulk` requests and retried. */
export interface BulkTuning {
  /** Upper bound of one `_bulk` request body, in bytes (a few MB is what OpenSearch likes). */
  maxBytes: number;
  /** Upper bound of operations in one `_bulk` request. */
  maxOperations: number;
  /** `_bulk` requests in flight at once, across all writes of one store. */
  concurrency: number;
  /** Attempts of an operation that keeps failing retriably (429, 5xx, network) before giving up. */
  maxAttempts: number;
  /** First backoff delay; it doubles (with jitter) after every failed attempt. */
  backoffMs: number;
  /** Ceiling of one backoff delay. */
  maxBackoffMs: number;
}

/** Everything the OpenSearch store needs, as given by the caller (see `openSearchOptionsFromEnv`). */
export interface OpenSearchStoreOptions {
  /** `http(s)://host:port[/path]`, optionally with `user:password@`. */
  url: string;
  username?: string;
  password?: string;
  /** Sent as `Authorization: Bearer <token>`; excludes basic auth. */
  token?: string;
  /** PEM file of the CA that signed the server's certificate (https only). */
  caFile?: string;
  /** Prepended to every index and template name; default `pw-`. */
  indexPrefix?: string;
  bulk?: Partial<BulkTuning>;
  /** Timeout of one HTTP request; default 120 s (a large bulk on a busy node is slow). */
  requestTimeoutMs?: number;
  /** Most reports fetched per page when streaming `reports()` (fewer when they are big); default 5000. */
  reportsPageSize?: number;
}

export type OpenSearchAuth =
  | { kind: "basic"; username: string; password: string }
  | { kind: "bearer"; token: string };

/** Validated, normalised settings. Holds secrets: never print it; print `description`. */
export interface OpenSearchConfig {
  /** The node URL without credentials, no trailing slash. */
  node: string;
  auth: OpenSearchAuth | undefined;
  /** PEM contents of the CA file. */
  ca: string | undefined;
  prefix: string;
  bulk: BulkTuning;
  requestTimeoutMs: number;
  reportsPageSize: number;
  /** Safe to print: no credentials. */
  description: string;
}

export const DEFAULT_INDEX_PREFIX = "pw-";

export const DEFAULT_BULK_TUNING: BulkTuning = {
  maxBytes: 5 * 1024 * 1024,
  maxOperations: 10_000,
  concurrency: 3,
  maxAttempts: 6,
  backoffMs: 200,
  maxBackoffMs: 10_000,
};

/**
 * Lowercase, and none of the characters OpenSearch refuses in index names; it may
 * not start with `_`, `-` or `+` either (the first character here is alphanumeric).
 */
const PREFIX_PATTERN = /^[a-z0-9][a-z0-9._-]{0,99}$/;

/** The store's options from a URL and the `PW_OPENSEARCH_*` variables (empty values are unset). */
export function openSearchOptionsFromEnv(
  url: string,
  env: NodeJS.ProcessEnv,
): OpenSearchStoreOptions {
  const options: OpenSearchStoreOptions = { url };
  const set = <K extends keyof OpenSearchStoreOptions>(key: K, name: string) => {
    const value = env[name];
    if (value !== undefined && value !== "") options[key] = value as OpenSearchStoreOptions[K];
  };
  set("username", "PW_OPENSEARCH_USER");
  set("password", "PW_OPENSEARCH_PASSWORD");
  set("token", "PW_OPENSEARCH_TOKEN");
  set("caFile", "PW_OPENSEARCH_CA_FILE");
  set("indexPrefix", "PW_OPENSEARCH_PREFIX");
  return options;
}

/**
 * Validates the options once, so a bad setting fails before anything connects.
 * Credentials come from the URL's userinfo or from username/password, never both;
 * a token excludes basic auth. Errors never echo a secret.
 */
export function resolveOpenSearchConfig(options: OpenSearchStoreOptions): OpenSearchConfig {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new UsageError(`the store URL is not a valid URL (expected http(s)://host:9200)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`the OpenSearch store URL must start with http:// or https://`);
  }
  if (url.search || url.hash) {
    throw new UsageError("the OpenSearch store URL must not have a query string or fragment");
  }

  const auth = resolveAuth(url, options);
  url.username = "";
  url.password = "";
  const node = url.toString().replace(/\/+$/, "");

  let ca: string | undefined;
  if (options.caFile !== undefined) {
    if (url.protocol !== "https:") {
      throw new UsageError(
        "a CA file is set (PW_OPENSEARCH_CA_FILE) but the store URL is not https",
      );
    }
    try {
      ca = readFileSync(options.caFile, "utf8");
    } catch (error) {
      throw new UsageError(
        `cannot read the CA file ${options.caFile} (PW_OPENSEARCH_CA_FILE): ${(error as Error).message}`,
        error,
      );
    }
  }

  const prefix = options.indexPrefix ?? DEFAULT_INDEX_PREFIX;
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new UsageError(
      `invalid index prefix "${prefix}" (PW_OPENSEARCH_PREFIX): use lowercase letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }

  const bulk = { ...DEFAULT_BULK_TUNING, ...options.bulk };
  for (const [key, value] of Object.entries(bulk)) {
    if (!Number.isInteger(value) || value < (key === "backoffMs" ? 0 : 1)) {
      throw new UsageError(`OpenSearch bulk setting ${key} must be a positive integer`);
    }
  }
  const requestTimeoutMs = options.requestTimeoutMs ?? 120_000;
  const reportsPageSize = options.reportsPageSize ?? 5000;
  if (!(Number.isInteger(requestTimeoutMs) && requestTimeoutMs > 0)) {
    throw new UsageError("OpenSearch requestTimeoutMs must be a positive integer");
  }
  if (!(Number.isInteger(reportsPageSize) && reportsPageSize > 0 && reportsPageSize <= 10_000)) {
    throw new UsageError("OpenSearch reportsPageSize must be an integer in 1..10000");
  }

  return {
    node,
    auth,
    ca,
    prefix,
    bulk,
    requestTimeoutMs,
    reportsPageSize,
    description: `OpenSearch at ${node} (indices ${prefix}*)`,
  };
}

function resolveAuth(url: URL, options: OpenSearchStoreOptions): OpenSearchAuth | undefined {
  const fromUrl = url.username !== "" || url.password !== "";
  const fromOptions = options.username !== undefined || options.password !== undefined;
  if (fromUrl && fromOptions) {
    throw new UsageError(
      "OpenSearch credentials are given twice: in the store URL and in PW_OPENSEARCH_USER/PW_OPENSEARCH_PASSWORD; keep one",
    );
  }
  const username = fromUrl ? decodeURIComponent(url.username) : options.username;
  const password = fromUrl ? decodeURIComponent(url.password) : options.password;
  if (options.token !== undefined) {
    if (fromUrl || fromOptions) {
      throw new UsageError(
        "both a token (PW_OPENSEARCH_TOKEN) and a user/password are set for OpenSearch; keep one",
      );
    }
    return { kind: "bearer", token: options.token };
  }
  if (username === undefined && password === undefined) return undefined;
  if (!username || password === undefined) {
    throw new UsageError(
      "OpenSearch basic auth needs both a user and a password (PW_OPENSEARCH_USER and PW_OPENSEARCH_PASSWORD, or user:password@ in the URL)",
    );
  }
  return { kind: "basic", username, password };
}
