import { describe, expect, it } from "vitest";
import { listenUrl, parseListenAddress } from "./listen-address.js";

describe("parseListenAddress", () => {
  it.each([
    ["127.0.0.1:8080", { host: "127.0.0.1", port: 8080 }],
    ["0.0.0.0:0", { host: "0.0.0.0", port: 0 }],
    ["[::1]:443", { host: "::1", port: 443 }],
    ["localhost:9", { host: "localhost", port: 9 }],
  ])("reads %s", (text, address) => {
    expect(parseListenAddress(text)).toEqual(address);
  });

  it.each(["8080", "127.0.0.1", "127.0.0.1:70000", "::1:80", "host:port"])(
    "refuses %s naming the flag",
    (text) => {
      expect(() => parseListenAddress(text)).toThrow(/--listen/);
    },
  );

  it("prints IPv6 hosts in brackets", () => {
    expect(listenUrl(true, "::1", 8443)).toBe("https://[::1]:8443");
    expect(listenUrl(false, "127.0.0.1", 80)).toBe("http://127.0.0.1:80");
  });
});
