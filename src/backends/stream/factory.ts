import { UsageError } from "../../domain/errors.js";
import { createEmbeddedStream } from "./embedded/embedded-stream.js";
import { isPulsarUrl } from "./pulsar/pulsar-config.js";
import { createPulsarStream } from "./pulsar/pulsar-stream.js";
import type { Stream } from "./types.js";

export interface StreamSettings {
  /** "embedded", or a URL naming another backend. */
  url: string;
  dataDir: string;
  env: NodeJS.ProcessEnv;
}

/** Builds the stream backend a URL names. Nothing connects until it is used. */
export function createStream(settings: StreamSettings): Stream {
  if (settings.url === "embedded") return createEmbeddedStream({ dataDir: settings.dataDir });
  if (isPulsarUrl(settings.url))
    return createPulsarStream({ url: settings.url, env: settings.env });
  throw new UsageError(
    `unsupported stream "${redactUrl(settings.url)}": this build knows "embedded", pulsar://HOST:6650 and pulsar+ssl://HOST:6651 (set --stream or PW_STREAM_URL)`,
  );
}

/** A URL may carry credentials: never print them. */
export function redactUrl(url: string): string {
  return url
    .replace(/\/\/[^/@]*@/, "//***@")
    .replace(/([?&](token|password|key)=)[^&]*/gi, "$1***");
}
