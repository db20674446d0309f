import { createStore } from "../backends/store/factory.js";
import type { Store } from "../backends/store/types.js";
import { createStream } from "../backends/stream/factory.js";
import type { Stream } from "../backends/stream/types.js";
import type { BackendSettings } from "./config.js";

/** The configured stream backend. */
export function openStream(settings: BackendSettings): Stream {
  return createStream({ url: settings.stream, dataDir: settings.dataDir, env: process.env });
}

/** The configured store backend. */
export function openStore(settings: BackendSettings): Store {
  return createStore({ url: settings.store, dataDir: settings.dataDir, env: process.env });
}
