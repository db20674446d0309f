import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { setTimeout as sleep } from "node:timers/promises";
import { BackendError } from "../../../domain/errors.js";
import type { InternalCursorStats } from "./cursor-state.js";
import type { Position } from "./message-id.js";
import { type PulsarConfig, PulsarEnv, topicPath } from "./pulsar-config.js";

/** The parts of `GET .../stats` the driver reads. */
export interface AdminTopicStats {
  msgInCounter: number;
  subscriptions: Record<
    string,
    {
      msgBacklog: number;
      type?: string;
      consumers?: Array<{ priorityLevel?: number }>;
      isDurable?: boolean;
    }
  >;
}

/** The parts of `GET .../internalStats` the driver reads. */
export interface AdminInternalStats {
  /** Entries added since the broker loaded the topic. */
  entriesAddedCounter: number;
  /** Entries in the ledgers still retained; survives a broker restart. */
  numberOfEntries: number;
  cursors: Record<string, InternalCursorStats>;
}

interface AdminResponse {
  status: number;
  body: unknown;
}

const GET_ATTEMPTS = 3;

/**
 * A small client of Pulsar's admin REST API (`/admin/v2`). It uses node:http(s)
 * rather than fetch because fetch cannot be given a private CA without undici.
 * Network failures and 5xx answers become retriable BackendErrors; GETs are
 * retried a few times first since they are idempotent.
 */
export class PulsarAdmin {
  constructor(private readonly config: PulsarConfig) {}

  /** Topic stats, or undefined when the topic does not exist. */
  async topicStats(topic: string): Promise<AdminTopicStats | undefined> {
    return this.getTopicResource<AdminTopicStats>(topic, "stats");
  }

  /** Managed-ledger stats with every cursor, or undefined when the topic does not exist. */
  async internalStats(topic: string): Promise<AdminInternalStats | undefined> {
    return this.getTopicResource<AdminInternalStats>(topic, "internalStats");
  }

  /**
   * Creates a durable subscription at the earliest or latest message (creating
   * the topic if needed). An existing subscription keeps its cursor.
   */
  async createSubscription(
    topic: string,
    subscription: string,
    position: "earliest" | "latest",
  ): Promise<void> {
    // The WebSocket consumer of Pulsar 3.0 has no initial-position parameter
    // (a subscription it creates starts at the latest message), hence this call.
    const body =
      position === "earliest" ? { ledgerId: -1, entryId: -1, partitionIndex: -1 } : undefined;
    await this.send(
      "PUT",
      `/admin/v2/${topicPath(this.config, topic)}/subscription/${encodeURIComponent(subscription)}`,
      body,
      [409],
    );
  }

  /** The position of the first message published at or after `time` (or where the next one will go). */
  async positionAtTime(topic: string, time: number): Promise<Position | undefined> {
    return this.getTopicResource<Position>(topic, `messageid/${Math.max(0, Math.floor(time))}`);
  }

  /** The position of the last message, or undefined when the topic does not exist. */
  async lastPosition(topic: string): Promise<Position | undefined> {
    return this.getTopicResource<Position>(topic, "lastMessageId");
  }

  /** Turns on broker-side deduplication for the namespace, unless it already is. */
  async ensureDeduplication(): Promise<void> {
    const path = `/admin/v2/namespaces/${this.config.tenant}/${this.config.namespace}/deduplication`;
    const current = await this.get(path, [404]);
    if (current.status === 404) throw this.missingNamespace();
    if (current.body === true) return;
    await this.send("POST", path, true);
  }

  /** Creates a namespace (used by tests and benchmarks for isolation); an existing one is fine. */
  async createNamespace(namespace: string): Promise<void> {
    await this.send("PUT", `/admin/v2/namespaces/${namespace}`, undefined, [409]);
  }

  /** Deletes a namespace and every topic in it. */
  async deleteNamespace(namespace: string): Promise<void> {
    const topics = await this.get(`/admin/v2/namespaces/${namespace}/topics`, [404]);
    if (topics.status === 404) return;
    for (const name of topics.body as string[]) {
      const path = name.replace("://", "/");
      await this.send("DELETE", `/admin/v2/${path}?force=true`, undefined, [404]);
    }
    await this.send("DELETE", `/admin/v2/namespaces/${namespace}`, undefined, [404]);
  }

  /**
   * GET of a resource under a topic: undefined when the topic does not exist
   * (that is not an error for pw), a BackendError when the namespace does not.
   */
  private async getTopicResource<T>(topic: string, resource: string): Promise<T | undefined> {
    const res = await this.get(`/admin/v2/${topicPath(this.config, topic)}/${resource}`, [404]);
    if (res.status !== 404) return res.body as T;
    const reason = String((res.body as { reason?: unknown } | undefined)?.reason ?? "");
    if (/namespace/i.test(reason) && !/topic/i.test(reason)) throw this.missingNamespace();
    return undefined;
  }

  private missingNamespace(): BackendError {
    const ns = `${this.config.tenant}/${this.config.namespace}`;
    return new BackendError(
      `Pulsar namespace ${ns} does not exist: create it (pulsar-admin namespaces create ${ns}) or set ${PulsarEnv.namespace}`,
    );
  }

  private async get(path: string, expected: number[]): Promise<AdminResponse> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.send("GET", path, undefined, expected);
      } catch (error) {
        if (!(error instanceof BackendError) || !error.retriable || attempt >= GET_ATTEMPTS)
          throw error;
        await sleep(200 * attempt);
      }
    }
  }

  /** One request; a status outside 2xx and `expected` becomes a BackendError. */
  private async send(
    method: string,
    path: string,
    body: unknown,
    expected: number[] = [],
  ): Promise<AdminResponse> {
    const what = `${method} ${path.split("?")[0]}`;
    let res: { status: number; text: string };
    try {
      res = await this.exchange(method, path, body);
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
      throw new BackendError(
        `cannot reach the Pulsar admin API at ${this.config.webUrl} (${code}): is Pulsar running? (${PulsarEnv.webUrl} sets the admin URL)`,
        { retriable: true, cause },
      );
    }
    const parsed = parseBody(res.text);
    if ((res.status >= 200 && res.status < 300) || expected.includes(res.status)) {
      return { status: res.status, body: parsed };
    }
    const reason =
      typeof parsed === "object" && parsed !== null && "reason" in parsed
        ? String((parsed as { reason: unknown }).reason)
        : res.text.slice(0, 200);
    if (res.status === 401 || res.status === 403) {
      throw new BackendError(
        `Pulsar refused ${what} (HTTP ${res.status}${reason ? `: ${reason}` : ""}): check the token in ${PulsarEnv.token} / ${PulsarEnv.tokenFile} and its permissions`,
      );
    }
    throw new BackendError(
      `Pulsar admin API: ${what} failed with HTTP ${res.status}${reason ? `: ${reason}` : ""}`,
      {
        retriable: res.status >= 500 || res.status === 429,
      },
    );
  }

  private exchange(
    method: string,
    path: string,
    body: unknown,
  ): Promise<{ status: number; text: string }> {
    const url = new URL(path, `${this.config.webUrl}/`);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { accept: "application/json" };
    if (payload !== undefined) headers["content-type"] = "application/json";
    if (this.config.token) headers.authorization = `Bearer ${this.config.token}`;
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        url,
        {
          method,
          headers,
          timeout: this.config.requestTimeoutMs,
          ...(this.config.ca && { ca: this.config.ca }),
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", reject);
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
          );
        },
      );
      req.on("timeout", () =>
        req.destroy(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })),
      );
      req.on("error", reject);
      req.end(payload);
    });
  }
}

function parseBody(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
