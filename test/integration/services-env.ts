import { templateNames } from "../../src/backends/store/opensearch/index-layout.js";

/** A server URL exported by scripts/services/with-services.sh, without a trailing slash. */
export function requireServiceUrl(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set. Start the servers and export the URLs with ` +
        "`bash scripts/services/with-services.sh npx vitest run --project integration`.",
    );
  }
  return value.replace(/\/+$/, "");
}

/** Short and unique per test run, so reruns and other users of a server never collide. */
export function runTag(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/** Deletes an OpenSearch index prefix's indices and templates (the prefix is unique to the run). */
export async function dropOpenSearchPrefix(url: string, prefix: string): Promise<void> {
  const call = async (path: string) => {
    const res = await fetch(`${url}${path}`, {
      method: "DELETE",
      signal: AbortSignal.timeout(30_000),
    });
    if (res.status !== 200 && res.status !== 404) {
      throw new Error(`DELETE ${path}: HTTP ${res.status} ${await res.text()}`);
    }
  };
  await call(`/${prefix}*?expand_wildcards=all`);
  for (const name of templateNames(prefix)) await call(`/_index_template/${name}`);
}

/** The broker URL and pw's PW_PULSAR_* settings for a test namespace, from with-services.sh's exports. */
export function pulsarTestSettings(namespace: string): { url: string; env: NodeJS.ProcessEnv } {
  return {
    url: requireServiceUrl("PW_TEST_PULSAR_URL"),
    env: {
      PW_PULSAR_WEB_URL: requireServiceUrl("PW_TEST_PULSAR_ADMIN_URL"),
      PW_PULSAR_WS_URL: requireServiceUrl("PW_TEST_PULSAR_WS_URL"),
      PW_PULSAR_NAMESPACE: namespace,
    },
  };
}
