import { UsageError } from "../../domain/errors.js";
import { redactUrl } from "../stream/factory.js";
import { createEmbeddedStore } from "./embedded/embedded-store.js";
import { openSearchOptionsFromEnv } from "./opensearch/config.js";
import { createOpenSearchStore } from "./opensearch/opensearch-store.js";
import type { Store } from "./types.js";

export interface StoreSettings {
  /** "embedded", or a URL naming another backend. */
  url: string;
  dataDir: string;
  env: NodeJS.ProcessEnv;
}

/** Builds the store backend a URL names. Nothing connects until it is used. */
export function createStore(settings: StoreSettings): Store {
  if (settings.url === "embedded") return createEmbeddedStore({ dataDir: settings.dataDir });
  if (/^https?:\/\//i.test(settings.url)) {
    return createOpenSearchStore(openSearchOptionsFromEnv(settings.url, settings.env));
  }
  throw new UsageError(
    `unsupported store "${redactUrl(settings.url)}": this build knows "embedded" and http(s)://host:9200 for OpenSearch (set --store or PW_STORE_URL)`,
  );
}
