import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
  STATUS_CODES,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { OutgoingMessage, Producer } from "../../backends/stream/types.js";
import { UsageError } from "../../domain/errors.js";
import { deadLetterMessage } from "../dead-letter.js";
import { checkBatch, type LineError, type RejectedLine } from "./batch.js";
import { readBody } from "./body.js";
import { type ListenAddress, listenUrl } from "./listen-address.js";
import {
  StreamHealth,
  StreamPublisher,
  StreamRefusalError,
  type StreamState,
} from "./publisher.js";

/** The two producers the gateway publishes with. */
export interface GatewayProducers {
  reports: Producer;
  deadLetters: Producer;
}

export interface GatewayOptions {
  listen: ListenAddress;
  /** PEM certificate chain and key: the gateway speaks HTTPS only when given. */
  tls?: { cert: Buffer; key: Buffer } | undefined;
  /** Creates the producers; retried in the background (backoff up to 30 s) until it works. */
  openProducers: () => Promise<GatewayProducers>;
  /** Maps a bearer token to its drone; undefined for an unknown or revoked one. */
  credentials: { droneFor(token: string): string | undefined };
  /** Largest request body accepted (413 above). */
  maxRequestBytes: number;
  /** Messages (reports and dead letters) waiting for the stream at most; 429 above. */
  maxInFlight: number;
  /** A request whose reports the stream has not acknowledged within this gets 503. */
  publishTimeoutMs: number;
  /** Warnings, and one line per request when `logRequests`: never a token. */
  log: (line: string) => void;
  logRequests?: boolean;
}

/** What the gateway did, printed when it stops. */
export interface GatewaySummary {
  url: string;
  requests: number;
  /** Reports acknowledged by the stream. */
  accepted: number;
  /** Lines sent to the dead-letter topic: invalid, or naming another drone. */
  deadLettered: number;
  /** Requests per HTTP status answered, e.g. {"200": 120, "401": 2}, or "aborted". */
  byStatus: Record<string, number>;
  elapsedMs: number;
}

/** The JSON answer to POST /v1/reports when its lines were looked at (200, 400, 403). */
export interface ReportsReply {
  accepted: number;
  deadLettered: number;
  /** Per-line errors, at most MAX_LISTED_ERRORS of them; `errorCount` has the total. */
  errors: LineError[];
  errorCount: number;
  error?: string;
}

const MAX_LISTED_ERRORS = 1000;
export const REPORTS_PATH = "/v1/reports";
export const HEALTH_PATH = "/healthz";

/**
 * The HTTP(S) gateway drones post their reports to. Backend-agnostic: it gets
 * producers, a credential lookup and its limits. A 2xx is sent only after the
 * stream acknowledged the request's reports; every line not accepted is
 * dead-lettered with `http:<droneId>` and its line number as the source.
 */
export class ReportGateway {
  private readonly health = new StreamHealth();
  private readonly server;
  private publishers: { reports: StreamPublisher; deadLetters: StreamPublisher } | undefined;
  private readonly stopConnecting = new AbortController();
  private stopping = false;
  private active = 0;
  private readonly activeWaiters: Array<() => void> = [];
  private readonly started = Date.now();
  private address = "";
  private readonly counts = { requests: 0, accepted: 0, deadLettered: 0 };
  private readonly byStatus: Record<string, number> = {};
  /** The response last started on each connection, for onClientError. */
  private readonly responses = new WeakMap<Socket, ServerResponse>();

  constructor(private readonly options: GatewayOptions) {
    const handler = (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res);
    try {
      this.server = options.tls
        ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handler)
        : createHttpServer(handler);
    } catch (error) {
      throw new UsageError(
        `cannot use the TLS certificate and key: ${(error as Error).message}`,
        error,
      );
    }
    // "Expect: 100-continue": the body is asked for only once the request may be served.
    this.server.on("checkContinue", handler);
    this.server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) =>
      this.onClientError(error, socket),
    );
    // A client that stalls mid-request must not hold a slot forever.
    this.server.requestTimeout = 60_000;
    this.server.headersTimeout = 20_000;
  }

  /** Listens, starts connecting to the stream in the background, and returns the URL. */
  async start(): Promise<string> {
    const { host, port } = this.options.listen;
    await new Promise<void>((resolve, reject) => {
      const fail = (error: NodeJS.ErrnoException) =>
        reject(
          new UsageError(
            `cannot listen on ${host}:${port}: ${error.code ?? error.message} (choose another --listen address)`,
            error,
          ),
        );
      this.server.once("error", fail);
      this.server.listen(port, host, () => {
        this.server.off("error", fail);
        resolve();
      });
    });
    const bound = this.server.address() as AddressInfo;
    this.address = listenUrl(this.options.tls !== undefined, host, bound.port);
    void this.connect();
    return this.address;
  }

  get streamState(): StreamState {
    return this.health.state;
  }

  /**
   * Stops accepting connections, lets the requests under way finish (at most
   * `drainMs`), waits for what they published, and closes the producers.
   */
  async shutdown(drainMs: number): Promise<GatewaySummary> {
    this.stopping = true;
    this.stopConnecting.abort();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    if (this.active > 0) {
      const drained = new Promise<void>((resolve) => this.activeWaiters.push(resolve));
      const timer = sleep(drainMs, undefined, { ref: false });
      await Promise.race([drained, timer]);
      if (this.active > 0) {
        this.options.log(
          `gateway: ${this.active} request(s) still under way after ${drainMs} ms, closing them`,
        );
      }
    }
    this.server.closeAllConnections();
    await closed;
    const publishers = this.publishers;
    if (publishers) {
      await Promise.all([publishers.reports.close(), publishers.deadLetters.close()]);
    }
    return this.summary();
  }

  summary(): GatewaySummary {
    return {
      url: this.address,
      ...this.counts,
      byStatus: { ...this.byStatus },
      elapsedMs: Date.now() - this.started,
    };
  }

  private async connect(): Promise<void> {
    let waitMs = 1000;
    let lastReason = "";
    while (!this.stopping) {
      try {
        const producers = await this.options.openProducers();
        if (this.stopping) {
          await Promise.all([producers.reports.close(), producers.deadLetters.close()]);
          return;
        }
        const publisher = (p: Producer) =>
          new StreamPublisher(p, this.health, { timeoutMs: this.options.publishTimeoutMs });
        this.publishers = {
          reports: publisher(producers.reports),
          deadLetters: publisher(producers.deadLetters),
        };
        this.health.markUp();
        if (lastReason) this.options.log("gateway: the stream is reachable again");
        return;
      } catch (error) {
        const reason = (error as Error).message;
        this.health.connectFailed(reason);
        if (reason !== lastReason) {
          this.options.log(`gateway: the stream is unavailable, answering 503: ${reason}`);
        }
        lastReason = reason;
        try {
          await sleep(waitMs, undefined, { signal: this.stopConnecting.signal });
        } catch {
          return; // shutting down
        }
        waitMs = Math.min(waitMs * 2, 30_000);
      }
    }
  }

  /**
   * Requests Node's HTTP parser refuses (a bogus Content-Length, a bad chunk, a
   * body cut short, oversized headers, bytes that are not HTTP) never reach
   * onRequest. Node's default answer has no body; drones read every answer as
   * JSON, so they get the usual `{"error": ...}` instead (found by
   * test/fuzz/gateway.fuzz.test.ts). As Node does, nothing is written into a
   * response already under way, and the connection is closed.
   */
  private onClientError(error: NodeJS.ErrnoException, socket: Socket): void {
    const res = this.responses.get(socket);
    const answering = Boolean(res?.headersSent && !res.writableFinished);
    if (error.code !== "ECONNRESET" && socket.writable && !answering) {
      const [status, message] = clientErrorAnswer(error);
      const text = `${JSON.stringify({ error: message })}\n`;
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(text)}\r\nCache-Control: no-store\r\n` +
          `Connection: close\r\n\r\n${text}`,
      );
    }
    socket.destroy();
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    this.responses.set(req.socket, res);
    const startedAt = performance.now();
    this.active++;
    this.counts.requests++;
    let droneId: string | undefined;
    let detail = "";
    res.once("close", () => {
      // A request the client gave up on (or that was cut at shutdown) got no status.
      const outcome = res.writableFinished ? String(res.statusCode) : "aborted";
      this.byStatus[outcome] = (this.byStatus[outcome] ?? 0) + 1;
      if (this.options.logRequests) {
        // Method, path, status and outcome only: headers (Authorization) are never logged.
        const ms = (performance.now() - startedAt).toFixed(1);
        this.options.log(
          `${req.method} ${pathOf(req)} ${outcome} drone=${droneId ?? "-"}${detail} ${ms}ms`,
        );
      }
      this.active--;
      if (this.active === 0) for (const wake of this.activeWaiters.splice(0)) wake();
    });
    if (this.stopping) res.setHeader("Connection", "close");
    this.route(req, res, (id, d) => {
      droneId = id;
      detail = d;
    }).catch((error: unknown) => {
      this.options.log(`gateway: unexpected error: ${(error as Error).stack ?? String(error)}`);
      if (!res.headersSent) reply(res, 500, { error: "internal error" });
      else res.destroy();
    });
  }

  private async route(
    req: IncomingMessage,
    res: ServerResponse,
    note: (droneId: string | undefined, detail: string) => void,
  ): Promise<void> {
    const path = pathOf(req);
    if (path === HEALTH_PATH) {
      if (req.method !== "GET" && req.method !== "HEAD") {
        return reply(res, 405, { error: "use GET" }, { Allow: "GET, HEAD" });
      }
      const usable = this.publishers !== undefined && this.health.refusal() === null;
      return reply(res, usable ? 200 : 503, {
        status: usable ? "ok" : "unavailable",
        stream: this.health.state,
        inFlight: this.inFlight(),
      });
    }
    if (path !== REPORTS_PATH) return reply(res, 404, { error: `no such path: ${path}` });
    if (req.method !== "POST") return reply(res, 405, { error: "use POST" }, { Allow: "POST" });

    const droneId = this.authenticate(req.headers.authorization);
    if (!droneId) {
      return reply(
        res,
        401,
        { error: "missing, unknown or revoked drone token: send Authorization: Bearer <token>" },
        { "WWW-Authenticate": 'Bearer realm="pw"' },
      );
    }
    note(droneId, "");
    // Refuse early, before reading a body that could not be published anyway.
    const early = this.refusal(1);
    if (early) return this.refuse(res, early);

    if (req.headers.expect?.toLowerCase() === "100-continue") {
      if (Number(req.headers["content-length"]) > this.options.maxRequestBytes) {
        return this.tooLarge(res);
      }
      res.writeContinue();
    }
    const body = await readBody(req, this.options.maxRequestBytes);
    if (!body.ok) {
      if (body.reason === "aborted") return void res.destroy();
      return this.tooLarge(res);
    }
    const batch = checkBatch(body.bytes, droneId, req.headers["content-type"]);
    const letters = batch.rejected.map((r) => this.deadLetterMessage(droneId, r));
    if (batch.accepted.length === 0 && letters.length === 0) {
      return reply(res, 400, { error: "the body holds no report" });
    }
    const refusal = this.refusal(batch.accepted.length + letters.length);
    if (refusal) return this.refuse(res, refusal);

    const publishers = this.publishers as NonNullable<typeof this.publishers>;
    try {
      await Promise.all([
        publishers.reports.publish(batch.accepted),
        publishers.deadLetters.publish(letters),
      ]);
    } catch (error) {
      if (error instanceof StreamRefusalError) return this.refuse(res, error);
      throw error;
    }
    this.counts.accepted += batch.accepted.length;
    this.counts.deadLettered += letters.length;
    note(droneId, ` accepted=${batch.accepted.length} dead-lettered=${letters.length}`);

    const errors = batch.rejected.map(({ line, problems }) => ({ line, problems }));
    const result: ReportsReply = {
      accepted: batch.accepted.length,
      deadLettered: letters.length,
      errors: errors.slice(0, MAX_LISTED_ERRORS),
      errorCount: errors.length,
    };
    if (errors.length === 0) return reply(res, 200, result);
    const allRefused = batch.accepted.length === 0 && batch.rejected.every((r) => r.refused);
    if (allRefused) {
      return reply(res, 403, {
        ...result,
        error: `every report names another drone than the credential's (${droneId})`,
      });
    }
    return reply(res, 400, {
      ...result,
      error: `${errors.length} line(s) refused and dead-lettered; the other ${batch.accepted.length} report(s) were accepted`,
    });
  }

  private authenticate(header: string | undefined): string | undefined {
    const match = /^Bearer +(\S+)\s*$/i.exec(header ?? "");
    return match ? this.options.credentials.droneFor(match[1] as string) : undefined;
  }

  /** Why `count` more messages cannot go to the stream now: it is down, or too much is waiting. */
  private refusal(count: number): StreamRefusalError | null {
    const down = this.health.refusal();
    if (down) return down;
    if (!this.publishers) return new StreamRefusalError(503, "the stream is not reachable yet", 5);
    const waiting = this.inFlight();
    if (waiting > 0 && waiting + count > this.options.maxInFlight) {
      return new StreamRefusalError(
        429,
        `${waiting} message(s) are waiting for the stream (limit ${this.options.maxInFlight})`,
        1,
      );
    }
    return null;
  }

  private tooLarge(res: ServerResponse): void {
    const error = `the request body is over ${this.options.maxRequestBytes} bytes: send smaller batches`;
    reply(res, 413, { error }, { Connection: "close" });
  }

  private refuse(res: ServerResponse, refusal: StreamRefusalError): void {
    if (refusal.status === 503) this.options.log(`gateway: 503: ${refusal.message}`);
    const error =
      refusal.status === 429
        ? "the stream is pushing back: retry later"
        : "the stream is unavailable: retry later";
    reply(res, refusal.status, { error }, { "Retry-After": String(refusal.retryAfterS) });
  }

  private inFlight(): number {
    const p = this.publishers;
    return p ? p.reports.inFlight + p.deadLetters.inFlight : 0;
  }

  private deadLetterMessage(droneId: string, rejected: RejectedLine): OutgoingMessage {
    const { line, problems, input } = rejected;
    return deadLetterMessage(`http:${droneId}`, line, problems, input, Date.now());
  }
}

/** The status and reason for a request Node's HTTP parser refused, as Node's default picks it. */
function clientErrorAnswer(error: NodeJS.ErrnoException): [number, string] {
  switch (error.code) {
    case "HPE_HEADER_OVERFLOW":
      return [431, "the request headers are too large"];
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return [413, "the chunk extensions are too large"];
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return [408, "the request did not arrive in time"];
    default: {
      // The parser's reason only ("Invalid character in Content-Length"), never the bytes.
      const reason = (error as { reason?: unknown }).reason;
      const why = typeof reason === "string" && reason ? reason : (error.code ?? "unreadable");
      return [400, `not a valid HTTP/1.1 request: ${why}`];
    }
  }
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? "/";
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

function reply(
  res: ServerResponse,
  status: number,
  body: object,
  headers: Record<string, string> = {},
): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-store",
    ...headers,
  });
  res.end(text);
}
