import { readFileSync } from "node:fs";
import { UsageError } from "../../../domain/errors.js";

/** Everything the Pulsar driver needs, validated once and free of I/O afterwards. */
export interface PulsarConfig {
  /** The broker URL as given (`pulsar://host:6650`), kept for display. */
  serviceUrl: string;
  /** Admin REST API base, no trailing slash (`http://host:8080`). */
  webUrl: string;
  /** WebSocket API base, no trailing slash and without `/ws/v2` (`ws://host:8080`). */
  wsUrl: string;
  tenant: string;
  namespace: string;
  /** Sent as `Authorization: Bearer`; never printed. */
  token: string | undefined;
  /** PEM of the CA that signed the servers' certificates, when not a public one. */
  ca: Buffer | undefined;
  /** Longest wait for a first connection, and for a lost one to come back before an operation fails. */
  connectTimeoutMs: number;
  /** A send not acknowledged by the broker within this is failed (retriable). */
  sendTimeoutMs: number;
  /** Timeout of one admin REST request. */
  requestTimeoutMs: number;
}

/** Environment variables the Pulsar driver reads, besides the `--stream` URL. */
export const PulsarEnv = {
  webUrl: "PW_PULSAR_WEB_URL",
  wsUrl: "PW_PULSAR_WS_URL",
  namespace: "PW_PULSAR_NAMESPACE",
  token: "PW_PULSAR_TOKEN",
  tokenFile: "PW_PULSAR_TOKEN_FILE",
  caFile: "PW_PULSAR_CA_FILE",
} as const;

export interface PulsarConfigInput {
  /** `pulsar://host[:port]` or `pulsar+ssl://host[:port]`. */
  url: string;
  env: NodeJS.ProcessEnv;
  /** Overrides of the timeouts (tests use short ones). */
  timeouts?: Partial<Pick<PulsarConfig, "connectTimeoutMs" | "sendTimeoutMs" | "requestTimeoutMs">>;
  /** Injected for tests; reads the token and CA files. */
  readFile?: (path: string) => Buffer;
}

const NAME_SEGMENT = /^[A-Za-z0-9_.=-]+$/;

/** True when a stream URL names a Pulsar cluster. */
export function isPulsarUrl(url: string): boolean {
  return /^pulsar(\+ssl)?:\/\//i.test(url);
}

/**
 * Parses and checks the Pulsar settings. Throws a UsageError naming the setting
 * to fix; never echoes a token.
 */
export function parsePulsarConfig(input: PulsarConfigInput): PulsarConfig {
  const { env } = input;
  const readFile = input.readFile ?? ((path: string) => readFileSync(path));
  const service = parseUrl(input.url, "--stream / PW_STREAM_URL");
  const tls = service.protocol === "pulsar+ssl:";
  if (service.protocol !== "pulsar:" && !tls) {
    throw new UsageError(
      `--stream / PW_STREAM_URL: expected pulsar://HOST:6650 or pulsar+ssl://HOST:6651, got a ${service.protocol} URL`,
    );
  }
  if (service.pathname !== "" && service.pathname !== "/") {
    throw new UsageError(
      "--stream / PW_STREAM_URL: a Pulsar URL has no path (set the namespace with PW_PULSAR_NAMESPACE)",
    );
  }
  const host = service.hostname;

  const webUrl = trimSlash(
    env[PulsarEnv.webUrl] || (tls ? `https://${host}:8443` : `http://${host}:8080`),
  );
  const web = parseUrl(webUrl, PulsarEnv.webUrl);
  if (web.protocol !== "http:" && web.protocol !== "https:") {
    throw new UsageError(`${PulsarEnv.webUrl}: expected an http:// or https:// URL`);
  }
  if (tls && web.protocol !== "https:") {
    throw new UsageError(
      `${PulsarEnv.webUrl}: pulsar+ssl:// asks for TLS, so the admin and WebSocket URL must be https:// too`,
    );
  }
  const wsUrl = trimSlash(env[PulsarEnv.wsUrl] || webUrl.replace(/^http/, "ws"));
  const ws = parseUrl(wsUrl, PulsarEnv.wsUrl);
  if (ws.protocol !== "ws:" && ws.protocol !== "wss:") {
    throw new UsageError(`${PulsarEnv.wsUrl}: expected a ws:// or wss:// URL`);
  }
  if (tls && ws.protocol !== "wss:") {
    throw new UsageError(`${PulsarEnv.wsUrl}: pulsar+ssl:// asks for TLS, so it must be wss://`);
  }

  const [tenant, namespace, ...rest] = (env[PulsarEnv.namespace] || "public/default").split("/");
  if (
    !tenant ||
    !namespace ||
    rest.length > 0 ||
    !NAME_SEGMENT.test(tenant) ||
    !NAME_SEGMENT.test(namespace)
  ) {
    throw new UsageError(
      `${PulsarEnv.namespace}: expected TENANT/NAMESPACE of letters, digits and _ . = - (e.g. public/default)`,
    );
  }

  const caFile = env[PulsarEnv.caFile];
  return {
    serviceUrl: `${service.protocol}//${service.host}`,
    webUrl,
    wsUrl,
    tenant,
    namespace,
    token: readToken(env, readFile),
    ca: caFile ? readSetting(readFile, caFile, PulsarEnv.caFile) : undefined,
    connectTimeoutMs: input.timeouts?.connectTimeoutMs ?? 15_000,
    sendTimeoutMs: input.timeouts?.sendTimeoutMs ?? 30_000,
    requestTimeoutMs: input.timeouts?.requestTimeoutMs ?? 10_000,
  };
}

/** Where the driver talks to, safe to print: no token, no credentials. */
export function describePulsar(config: PulsarConfig): string {
  return `Pulsar ${config.serviceUrl}, namespace ${config.tenant}/${config.namespace} (WebSocket ${config.wsUrl}, admin ${config.webUrl})`;
}

/** Checks a pw topic name: it becomes one path segment of `persistent://tenant/ns/<name>`. */
export function checkTopicName(topic: string): string {
  if (!NAME_SEGMENT.test(topic)) {
    throw new UsageError(`topic "${topic}": use letters, digits and _ . = - only`);
  }
  return topic;
}

/** `persistent://tenant/ns/topic`: the name Pulsar uses in policies such as the dead-letter topic. */
export function fullTopicName(config: PulsarConfig, topic: string): string {
  return `persistent://${config.tenant}/${config.namespace}/${checkTopicName(topic)}`;
}

/** `persistent/tenant/ns/topic`: the topic as it appears in admin and WebSocket URL paths. */
export function topicPath(config: PulsarConfig, topic: string): string {
  return `persistent/${config.tenant}/${config.namespace}/${checkTopicName(topic)}`;
}

function readToken(env: NodeJS.ProcessEnv, readFile: (path: string) => Buffer): string | undefined {
  const inline = env[PulsarEnv.token];
  const file = env[PulsarEnv.tokenFile];
  if (inline && file) {
    throw new UsageError(`set only one of ${PulsarEnv.token} and ${PulsarEnv.tokenFile}`);
  }
  const token =
    inline ??
    (file ? readSetting(readFile, file, PulsarEnv.tokenFile).toString("utf8") : undefined);
  if (token === undefined) return undefined;
  const trimmed = token.trim();
  if (trimmed === "" || /\s/.test(trimmed)) {
    throw new UsageError(
      `${inline ? PulsarEnv.token : PulsarEnv.tokenFile}: the token is empty or contains whitespace`,
    );
  }
  return trimmed;
}

function readSetting(readFile: (path: string) => Buffer, path: string, setting: string): Buffer {
  try {
    return readFile(path);
  } catch (cause) {
    throw new UsageError(
      `${setting}: cannot read ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`,
      cause,
    );
  }
}

function parseUrl(value: string, setting: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // Not echoed: a malformed URL may still carry a secret.
    throw new UsageError(`${setting}: not a valid URL`);
  }
  if (url.username || url.password) {
    throw new UsageError(
      `${setting}: do not put credentials in the URL; use ${PulsarEnv.token} or ${PulsarEnv.tokenFile}`,
    );
  }
  if (url.search || url.hash) {
    throw new UsageError(`${setting}: the URL must not have a query or fragment`);
  }
  if (!url.hostname) throw new UsageError(`${setting}: the URL has no host`);
  return url;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}
