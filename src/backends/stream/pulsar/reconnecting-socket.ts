import type { IncomingMessage } from "node:http";
import WebSocket from "ws";
import { BackendError } from "../../../domain/errors.js";
import { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF } from "./backoff.js";
import { type PulsarConfig, PulsarEnv } from "./pulsar-config.js";

/** What the owner of a socket (producer, consumer, reader) does on its events. */
export interface SocketHandlers {
  /** After every successful (re)connect, before `whenOpen` waiters resume: resend, re-grant permits. */
  onOpen(): void;
  onFrame(data: string): void;
  /** The connection was lost; a reconnect follows unless the socket was closed. */
  onDown(): void;
}

export interface ReconnectingSocketOptions {
  /** Names the socket in errors, e.g. `consumer archive on reports`. */
  label: string;
  /** Computed at every attempt, so a reconnect can carry new parameters. */
  url: () => string;
  config: PulsarConfig;
  handlers: SocketHandlers;
  backoff?: BackoffPolicy;
  /** Ping this often; a socket that missed a whole interval's pong is dropped. */
  keepAliveMs?: number;
}

/** An upgrade refused for good (bad request, no permission): retrying will not help. */
const PERMANENT_STATUS = new Set([400, 401, 403, 404, 405]);
/** The proxy answers 500 for broker errors too; these ones will not go away by retrying. */
const PERMANENT_REASON = /not found|not authorized|NotAllowed|Invalid|different type/i;

/**
 * One WebSocket to Pulsar's WebSocket API that comes back by itself: when the
 * connection drops it reconnects with exponential backoff and calls `onOpen`
 * again, until `close()`. Pings keep the proxy's idle timeout away and detect
 * a dead peer.
 */
export class ReconnectingSocket {
  private ws: WebSocket | undefined;
  private closed = false;
  private attempt = 0;
  private lastError: Error | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly openWaiters = new Set<() => void>();
  /** Frames received on a socket between its handshake and `adopt`. */
  private readonly earlyFrames = new WeakMap<WebSocket, string[]>();

  constructor(private readonly options: ReconnectingSocketOptions) {}

  /** Connects the first time, retrying transient failures for up to the connect timeout. */
  async connect(): Promise<void> {
    const deadline = Date.now() + this.options.config.connectTimeoutMs;
    for (;;) {
      try {
        this.adopt(await this.attemptOnce());
        return;
      } catch (error) {
        const permanent = error instanceof BackendError && !error.retriable;
        const wait = backoffDelay(this.backoff, this.attempt++);
        if (permanent || this.closed || Date.now() + wait > deadline) throw this.failure(error);
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  get isOpen(): boolean {
    return this.openSocket !== undefined;
  }

  /** Writes a frame if connected; false when not (the owner resends after `onOpen`). */
  trySend(frame: string): boolean {
    const ws = this.openSocket;
    if (!ws) return false;
    ws.send(frame);
    return true;
  }

  /**
   * Runs `write` (a burst of `trySend`s) with the TCP socket corked, so the
   * frames leave in one system call instead of one each: thousands of small
   * ack or send frames otherwise cost more in syscalls than in everything else.
   */
  corked(write: () => void): void {
    // `_socket` is internal to ws (stable across its major versions); without it, just write.
    const tcp = (
      this.openSocket as { _socket?: { cork?: () => void; uncork?: () => void } } | undefined
    )?._socket;
    tcp?.cork?.();
    try {
      write();
    } finally {
      tcp?.uncork?.();
    }
  }

  /** Resolves when connected; rejects after `timeoutMs` without a connection, or on close. */
  whenOpen(timeoutMs: number): Promise<void> {
    if (this.openSocket) return Promise.resolve();
    if (this.closed) return Promise.reject(this.closedError());
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.openWaiters.delete(done);
        if (this.openSocket) resolve();
        else reject(this.closed ? this.closedError() : this.failure(this.lastError, timeoutMs));
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      this.openWaiters.add(done);
    });
  }

  /** Closes for good: no reconnect. Waits (briefly) for the close handshake. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.wakeWaiters();
    const ws = this.ws;
    this.ws = undefined;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => ws.terminate(), 5_000);
      ws.once("close", () => {
        clearTimeout(force);
        resolve();
      });
      ws.close(1000);
    });
  }

  /** The current socket while it can send: one that is closing is as good as gone. */
  private get openSocket(): WebSocket | undefined {
    return this.ws?.readyState === WebSocket.OPEN ? this.ws : undefined;
  }

  private get backoff(): BackoffPolicy {
    return this.options.backoff ?? DEFAULT_BACKOFF;
  }

  /** Makes an open socket the current one: the owner's `onOpen` runs, then any frame that came early. */
  private adopt(ws: WebSocket): void {
    const early = this.earlyFrames.get(ws) ?? [];
    this.earlyFrames.delete(ws);
    if (this.closed || ws.readyState !== WebSocket.OPEN) {
      ws.terminate();
      if (!this.closed) this.scheduleReconnect();
      return;
    }
    this.attempt = 0;
    this.ws = ws;
    let alive = true;
    const keepAlive = setInterval(() => {
      if (!alive) ws.terminate();
      alive = false;
      ws.ping();
    }, this.options.keepAliveMs ?? 20_000);
    keepAlive.unref();
    ws.on("pong", () => {
      alive = true;
    });
    ws.on("message", () => {
      alive = true;
    });
    ws.once("close", () => clearInterval(keepAlive));
    this.options.handlers.onOpen();
    for (const frame of early) this.options.handlers.onFrame(frame);
    this.wakeWaiters();
  }

  private onSocketClosed(ws: WebSocket): void {
    if (this.ws !== ws) return; // closed by us, or never adopted
    this.ws = undefined;
    this.options.handlers.onDown();
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    this.reconnectTimer = setTimeout(
      () => {
        this.attemptOnce().then(
          (ws) => this.adopt(ws),
          (error: Error) => {
            this.lastError = error;
            this.scheduleReconnect();
          },
        );
      },
      backoffDelay(this.backoff, this.attempt++),
    );
  }

  /** One connection attempt: resolves with the open socket, rejects with a classified BackendError. */
  private attemptOnce(): Promise<WebSocket> {
    const { config } = this.options;
    const url = `${config.wsUrl}/ws/v2/${this.options.url()}`;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, {
        headers: config.token ? { Authorization: `Bearer ${config.token}` } : {},
        handshakeTimeout: Math.min(config.connectTimeoutMs, 10_000),
        perMessageDeflate: false,
        ...(config.ca && { ca: config.ca }),
      });
      // Listeners for the socket's whole life, attached before the handshake:
      // the server may send frames in the same packet as its upgrade answer,
      // and they must not be lost before `adopt` runs.
      this.earlyFrames.set(ws, []);
      ws.on("message", (data) => {
        const frame = data.toString();
        if (this.ws === ws) this.options.handlers.onFrame(frame);
        else this.earlyFrames.get(ws)?.push(frame);
      });
      ws.on("error", (error) => {
        this.lastError = error;
      });
      ws.on("close", () => this.onSocketClosed(ws));

      const settle = () => {
        ws.off("open", onOpen);
        ws.off("unexpected-response", onRefused);
        ws.off("error", onError);
      };
      const fail = (error: BackendError) => {
        settle();
        this.earlyFrames.delete(ws);
        ws.terminate();
        reject(error);
      };
      const onOpen = () => {
        settle();
        resolve(ws);
      };
      const onRefused = (_req: unknown, res: IncomingMessage) => {
        readBody(res).then((body) => {
          const status = res.statusCode ?? 0;
          const hint =
            status === 401 || status === 403
              ? ` — check ${PulsarEnv.token} / ${PulsarEnv.tokenFile} and the token's permissions`
              : "";
          fail(
            new BackendError(
              `${this.options.label}: Pulsar answered HTTP ${status}${body ? ` (${body})` : ""}${hint}`,
              { retriable: !PERMANENT_STATUS.has(status) && !PERMANENT_REASON.test(body) },
            ),
          );
        });
      };
      const onError = (error: Error) => {
        fail(
          new BackendError(
            `${this.options.label}: cannot reach the Pulsar WebSocket API at ${config.wsUrl} (${(error as NodeJS.ErrnoException).code ?? error.message})`,
            { retriable: true, cause: error },
          ),
        );
      };
      ws.once("open", onOpen);
      ws.once("unexpected-response", onRefused);
      ws.once("error", onError);
    });
  }

  private failure(error: unknown, waitedMs?: number): BackendError {
    if (error instanceof BackendError && waitedMs === undefined) return error;
    const detail = error instanceof Error ? `: ${error.message}` : "";
    return new BackendError(
      `${this.options.label}: no connection to Pulsar at ${this.options.config.wsUrl}${waitedMs === undefined ? "" : ` for ${Math.round(waitedMs)} ms`}${detail}`,
      { retriable: true, cause: error },
    );
  }

  private closedError(): BackendError {
    return new BackendError(`${this.options.label}: already closed`);
  }

  private wakeWaiters(): void {
    for (const wake of [...this.openWaiters]) wake();
  }
}

/** The first 200 characters of an error page, tags stripped: Jetty wraps the broker's reason in HTML. */
function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    res.on("data", (chunk: Buffer) => {
      if (text.length < 4096) text += chunk.toString("utf8");
    });
    res.on("end", () => resolve(summarizeErrorPage(text)));
    res.on("error", () => resolve(summarizeErrorPage(text)));
    res.resume();
  });
}

/** The reason in Jetty's error page, e.g. `Failed to create reader: Namespace not found`. */
export function summarizeErrorPage(html: string): string {
  const title = /<title>([^<]*)<\/title>/i.exec(html)?.[1] ?? html.replace(/<[^>]*>/g, " ");
  const text = title
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/^Error \d+\s*/, "");
  // The broker's own error is JSON inside the proxy's message: keep just its text.
  const brokerError = /"errorMsg"\s*:\s*"([^"]*)"/.exec(text);
  const message = brokerError
    ? `${text.slice(0, text.indexOf("{")).trim()} ${brokerError[1]}`
    : text;
  return message.replace(/\s+/g, " ").trim().slice(0, 200);
}
