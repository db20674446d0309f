import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../../domain/errors.js";
import { createStore } from "../factory.js";
import { openSearchOptionsFromEnv, resolveOpenSearchConfig } from "./config.js";

describe("OpenSearch store configuration", () => {
  it("defaults: no auth, pw- prefix, description without a trailing slash", () => {
    const config = resolveOpenSearchConfig({ url: "http://127.0.0.1:9200/" });
    expect(config).toMatchObject({
      node: "http://127.0.0.1:9200",
      auth: undefined,
      ca: undefined,
      prefix: "pw-",
      description: "OpenSearch at http://127.0.0.1:9200 (indices pw-*)",
    });
    expect(config.bulk.concurrency).toBeGreaterThan(0);
  });

  it("takes basic auth from the URL (decoded) and never shows it", () => {
    const config = resolveOpenSearchConfig({
      url: "https://ad%40min:p%3Ass@os.example:9200/search",
    });
    expect(config.auth).toEqual({ kind: "basic", username: "ad@min", password: "p:ss" });
    expect(config.node).toBe("https://os.example:9200/search");
    expect(config.description).not.toMatch(/min|p:ss|p%3Ass/);
  });

  it("reads PW_OPENSEARCH_* variables, ignoring empty ones", () => {
    const options = openSearchOptionsFromEnv("http://h:9200", {
      PW_OPENSEARCH_USER: "u",
      PW_OPENSEARCH_PASSWORD: "p",
      PW_OPENSEARCH_TOKEN: "",
      PW_OPENSEARCH_PREFIX: "team1-",
    });
    expect(options).toEqual({
      url: "http://h:9200",
      username: "u",
      password: "p",
      indexPrefix: "team1-",
    });
    expect(resolveOpenSearchConfig(options)).toMatchObject({
      auth: { kind: "basic", username: "u", password: "p" },
      prefix: "team1-",
    });
    expect(resolveOpenSearchConfig({ url: "http://h:9200", token: "abc" }).auth).toEqual({
      kind: "bearer",
      token: "abc",
    });
  });

  it("reads the CA file once, for https only", () => {
    const dir = mkdtempSync(join(tmpdir(), "pw-os-ca-"));
    const caFile = join(dir, "ca.pem");
    writeFileSync(caFile, "-----BEGIN CERTIFICATE-----\n");
    expect(resolveOpenSearchConfig({ url: "https://h:9200", caFile }).ca).toContain("BEGIN");
    expect(() => resolveOpenSearchConfig({ url: "http://h:9200", caFile })).toThrow(/not https/);
    expect(() =>
      resolveOpenSearchConfig({ url: "https://h:9200", caFile: join(dir, "none") }),
    ).toThrow(UsageError);
  });

  it.each([
    [{ url: "not a url" }, /not a valid URL/],
    [{ url: "ftp://h:9200" }, /http:\/\/ or https:\/\//],
    [{ url: "http://h:9200?x=1" }, /query string/],
    [{ url: "http://u:p@h:9200", username: "v", password: "q" }, /given twice/],
    [{ url: "http://h:9200", token: "t", username: "u", password: "p" }, /keep one/],
    [{ url: "http://h:9200", username: "u" }, /both a user and a password/],
    [{ url: "http://h:9200", indexPrefix: "PW-" }, /invalid index prefix/],
    [{ url: "http://h:9200", indexPrefix: "_pw" }, /invalid index prefix/],
    [{ url: "http://h:9200", indexPrefix: "a*b" }, /invalid index prefix/],
    [{ url: "http://h:9200", bulk: { concurrency: 0 } }, /concurrency/],
  ])("refuses %j", (options, message) => {
    expect(() => resolveOpenSearchConfig(options)).toThrow(UsageError);
    expect(() => resolveOpenSearchConfig(options)).toThrow(message);
  });

  it("never echoes a secret in an error", () => {
    try {
      resolveOpenSearchConfig({ url: "http://u:hunter2@h:9200", username: "v", password: "q" });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain("hunter2");
    }
  });

  it("is what --store http(s)://... builds, configured from PW_OPENSEARCH_*, without connecting", async () => {
    const store = createStore({
      url: "https://reader:pw@search.example:9200",
      dataDir: "/nonexistent",
      env: { PW_OPENSEARCH_PREFIX: "team1-" },
    });
    expect(store.rawQueryLanguage).toBe("dsl");
    expect(store.description).toBe("OpenSearch at https://search.example:9200 (indices team1-*)");
    await store.close();
    expect(() =>
      createStore({ url: "http://h:9200", dataDir: "/x", env: { PW_OPENSEARCH_PREFIX: "Bad" } }),
    ).toThrow(UsageError);
  });
});
