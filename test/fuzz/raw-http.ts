/**
 * A bare-bones HTTP/1.1 client over a TCP socket, for requests Node's own client refuses
 * to send: bogus Content-Length, bytes that are not HTTP, header values with raw bytes,
 * bodies cut short, uploads abandoned half-way.
 */
import { connect } from "node:net";

export interface RawAnswer {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: string;
}

export interface RawExchange {
  /** Every complete answer read, in order (100 Continue included). */
  answers: RawAnswer[];
  /** How the connection ended: closed by the server, reset, or still open at the deadline. */
  ended: "closed" | "reset" | "timeout" | "abandoned";
  /** Bytes after the last complete answer: a truncated or unparseable answer. */
  leftover: number;
}

export interface RawOptions {
  /**
   * After writing: "end" half-closes (the body is cut short for good), "destroy" resets
   * the connection at once (an aborted upload), "wait" lets the server close it.
   */
  after: "end" | "destroy" | "wait";
  timeoutMs: number;
}

/** Writes `request` to host:port and reads whatever comes back until the connection ends. */
export function rawExchange(
  port: number,
  request: Buffer,
  options: RawOptions,
): Promise<RawExchange> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    let ended: RawExchange["ended"] = "closed";
    const timer = setTimeout(() => {
      ended = "timeout";
      socket.destroy();
    }, options.timeoutMs);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => {
      if (ended === "closed") ended = "reset";
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ ...parseAnswers(Buffer.concat(chunks)), ended });
    });
    socket.write(request, () => {
      if (options.after === "end") socket.end();
      if (options.after === "destroy") {
        ended = "abandoned";
        socket.resetAndDestroy();
      }
    });
  });
}

function parseAnswers(bytes: Buffer): { answers: RawAnswer[]; leftover: number } {
  const answers: RawAnswer[] = [];
  let at = 0;
  for (;;) {
    const headEnd = bytes.indexOf("\r\n\r\n", at);
    if (headEnd === -1) break;
    const [statusLine = "", ...lines] = bytes
      .subarray(at, headEnd)
      .toString("latin1")
      .split("\r\n");
    const status = /^HTTP\/1\.[01] (\d{3}) /.exec(statusLine);
    if (!status) break;
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers["content-length"] ?? 0);
    const bodyStart = headEnd + 4;
    if (bytes.length < bodyStart + length) break;
    answers.push({
      status: Number(status[1]),
      headers,
      body: bytes.subarray(bodyStart, bodyStart + length).toString("utf8"),
    });
    at = bodyStart + length;
  }
  return { answers, leftover: bytes.length - at };
}

/** A request's bytes: request line, headers (values as raw latin1 bytes), blank line, body. */
export function rawRequest(
  requestLine: string,
  headers: readonly (readonly [string, string])[],
  body: Buffer = Buffer.alloc(0),
): Buffer {
  const head = [requestLine, ...headers.map(([name, value]) => `${name}: ${value}`)].join("\r\n");
  return Buffer.concat([Buffer.from(`${head}\r\n\r\n`, "latin1"), body]);
}
