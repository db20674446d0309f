import { describe, expect, it } from "vitest";
import { UsageError } from "../../../domain/errors.js";
import {
  describePulsar,
  fullTopicName,
  isPulsarUrl,
  parsePulsarConfig,
  topicPath,
} from "./pulsar-config.js";

const noFiles = (path: string): Buffer => {
  throw Object.assign(new Error(`no ${path}`), { code: "ENOENT" });
};

function parse(url: string, env: NodeJS.ProcessEnv = {}, readFile = noFiles) {
  return parsePulsarConfig({ url, env, readFile });
}

function usageError(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error("expected a UsageError");
}

describe("parsePulsarConfig", () => {
  it("derives the admin and WebSocket URLs from the broker host", () => {
    const config = parse("pulsar://broker.example:6650");
    expect(config).toMatchObject({
      serviceUrl: "pulsar://broker.example:6650",
      webUrl: "http://broker.example:8080",
      wsUrl: "ws://broker.example:8080",
      tenant: "public",
      namespace: "default",
      token: undefined,
      ca: undefined,
    });
  });

  it("uses https and wss on 8443 for pulsar+ssl", () => {
    const config = parse("pulsar+ssl://broker.example:6651");
    expect(config.webUrl).toBe("https://broker.example:8443");
    expect(config.wsUrl).toBe("wss://broker.example:8443");
  });

  it("takes the web URL, WebSocket URL and namespace from the environment", () => {
    const config = parse("pulsar://b:6650", {
      PW_PULSAR_WEB_URL: "http://admin.example:9090/",
      PW_PULSAR_WS_URL: "ws://proxy.example:9091",
      PW_PULSAR_NAMESPACE: "acme/drones",
    });
    expect(config).toMatchObject({
      webUrl: "http://admin.example:9090",
      wsUrl: "ws://proxy.example:9091",
      tenant: "acme",
      namespace: "drones",
    });
  });

  it("derives the WebSocket URL from a given web URL", () => {
    expect(parse("pulsar://b", { PW_PULSAR_WEB_URL: "https://w:1234" }).wsUrl).toBe("wss://w:1234");
  });

  it("reads the token inline or from a file, trimmed", () => {
    expect(parse("pulsar://b", { PW_PULSAR_TOKEN: " abc.def " }).token).toBe("abc.def");
    const fromFile = parse("pulsar://b", { PW_PULSAR_TOKEN_FILE: "/t" }, (path) =>
      Buffer.from(path === "/t" ? "tok.en\n" : ""),
    );
    expect(fromFile.token).toBe("tok.en");
  });

  it("reads the CA file", () => {
    const config = parse("pulsar+ssl://b", { PW_PULSAR_CA_FILE: "/ca.pem" }, () =>
      Buffer.from("PEM"),
    );
    expect(config.ca?.toString()).toBe("PEM");
  });

  it("names the setting to fix, and never echoes a token", () => {
    expect(usageError(() => parse("kafka://b")).message).toMatch(/--stream/);
    expect(usageError(() => parse("pulsar://b/some/path")).message).toMatch(/no path/);
    expect(usageError(() => parse("pulsar://user:s3cret@b")).message).not.toContain("s3cret");
    expect(
      usageError(() => parse("pulsar://b", { PW_PULSAR_NAMESPACE: "onlytenant" })).message,
    ).toMatch(/PW_PULSAR_NAMESPACE/);
    expect(usageError(() => parse("pulsar://b", { PW_PULSAR_NAMESPACE: "a/b/c" })).message).toMatch(
      /TENANT\/NAMESPACE/,
    );
    expect(
      usageError(() => parse("pulsar://b", { PW_PULSAR_TOKEN: "a", PW_PULSAR_TOKEN_FILE: "/t" }))
        .message,
    ).toMatch(/only one/);
    const spaced = usageError(() => parse("pulsar://b", { PW_PULSAR_TOKEN: "two words" }));
    expect(spaced.message).not.toContain("two words");
    expect(
      usageError(() => parse("pulsar://b", { PW_PULSAR_TOKEN_FILE: "/missing" })).message,
    ).toMatch(/PW_PULSAR_TOKEN_FILE: cannot read \/missing: ENOENT/);
    expect(usageError(() => parse("pulsar://b", { PW_PULSAR_WEB_URL: "ftp://x" })).message).toMatch(
      /PW_PULSAR_WEB_URL/,
    );
  });

  it("refuses plain-text admin or WebSocket URLs with pulsar+ssl", () => {
    expect(
      usageError(() => parse("pulsar+ssl://b", { PW_PULSAR_WEB_URL: "http://b:8080" })).message,
    ).toMatch(/https/);
    expect(
      usageError(() => parse("pulsar+ssl://b", { PW_PULSAR_WS_URL: "ws://b:8080" })).message,
    ).toMatch(/wss/);
  });

  it("keeps secrets out of the description", () => {
    const config = parse("pulsar://b:6650", { PW_PULSAR_TOKEN: "very-secret" });
    expect(describePulsar(config)).not.toContain("very-secret");
    expect(describePulsar(config)).toContain("pulsar://b:6650");
  });
});

describe("topic names", () => {
  const config = parse("pulsar://b", { PW_PULSAR_NAMESPACE: "acme/drones" });

  it("map to persistent topics of the namespace", () => {
    expect(fullTopicName(config, "reports")).toBe("persistent://acme/drones/reports");
    expect(topicPath(config, "reports-dlq")).toBe("persistent/acme/drones/reports-dlq");
  });

  it("must be one path segment", () => {
    expect(() => topicPath(config, "a/b")).toThrow(UsageError);
    expect(() => topicPath(config, "")).toThrow(UsageError);
  });
});

describe("isPulsarUrl", () => {
  it("recognises pulsar and pulsar+ssl URLs only", () => {
    expect(isPulsarUrl("pulsar://b:6650")).toBe(true);
    expect(isPulsarUrl("pulsar+ssl://b:6651")).toBe(true);
    expect(isPulsarUrl("embedded")).toBe(false);
    expect(isPulsarUrl("http://b")).toBe(false);
  });
});
