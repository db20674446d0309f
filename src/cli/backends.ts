import { createEmbeddedStore } from "../backends/store/embedded/embedded-store.js";
import type { Store } from "../backends/store/types.js";
import { createEmbeddedStream } from "../backends/stream/embedded/embedded-stream.js";
import type { Stream } from "../backends/stream/types.js";
import { UsageError } from "../domain/errors.js";
import type { BackendSettings } from "./config.js";

/** Builds the configured stream backend. Nothing connects until it is used. */
export function openStream(settings: BackendSettings): Stream {
  if (settings.stream === "embedded") return createEmbeddedStream({ dataDir: settings.dataDir });
  throw new UsageError(
    `unsupported stream "${redact(settings.stream)}": this build knows "embedded" (set --stream or PW_STREAM_URL)`,
  );
}

/** Builds the configured store backend. */
export function openStore(settings: BackendSettings): Store {
  if (settings.store === "embedded") return createEmbeddedStore({ dataDir: settings.dataDir });
  throw new UsageError(
    `unsupported store "${redact(settings.store)}": this build knows "embedded" (set --store or PW_STORE_URL)`,
  );
}

/** A URL may carry credentials: never print them. */
export function redact(url: string): string {
  return url
    .replace(/\/\/[^/@]*@/, "//***@")
    .replace(/([?&](token|password|key)=)[^&]*/gi, "$1***");
}
