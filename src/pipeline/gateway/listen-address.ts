import { UsageError } from "../../domain/errors.js";

export interface ListenAddress {
  host: string;
  /** 0 asks the system for a free port. */
  port: number;
}

/** Parses `--listen HOST:PORT` (`127.0.0.1:8080`, `[::1]:8080`, `0.0.0.0:0`). */
export function parseListenAddress(text: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[3]);
  if (!match || port > 65_535) {
    throw new UsageError(
      `--listen "${text}" is not HOST:PORT, e.g. 127.0.0.1:8080, 0.0.0.0:8443 or [::1]:8080 (port 0 picks a free one)`,
    );
  }
  return { host: (match[1] ?? match[2]) as string, port };
}

/** `http://127.0.0.1:8080`, with IPv6 hosts in brackets. */
export function listenUrl(tls: boolean, host: string, port: number): string {
  return `${tls ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${port}`;
}
