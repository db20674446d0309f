import { Client, errors } from "@opensearch-project/opensearch";
import { BackendError, type PwError, UsageError } from "../../../domain/errors.js";
import type { OpenSearchConfig } from "./config.js";

export interface OpenSearchRequest {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  query?: Record<string, string | number | boolean>;
  /** A JSON body (object) or a pre-serialised one (string). */
  body?: unknown;
  /** A pre-built `_bulk` NDJSON body. */
  ndjson?: string;
  /** Statuses that are answers, not errors (e.g. 404 when an index may not exist yet). */
  ignore?: number[];
  /** Retries of the client on network errors and 502/503/504; default 2. */
  maxRetries?: number;
  /** What a 400 means: the caller's input (a UsageError) or, by default, a backend failure. */
  badRequest?: "usage" | "backend";
}

export interface OpenSearchResponse<T> {
  status: number;
  body: T;
}

/**
 * The one place pw talks HTTP to OpenSearch, through the official client (which
 * owns connections, TLS and auth). Every failure leaves here as a PwError: a
 * BackendError, retriable for network trouble, 429 and 5xx.
 */
export class OpenSearchHttp {
  private readonly client: Client;

  constructor(private readonly config: OpenSearchConfig) {
    const { auth } = config;
    this.client = new Client({
      node: config.node,
      requestTimeout: config.requestTimeoutMs,
      maxRetries: 2,
      ...(auth?.kind === "basic" && {
        auth: { username: auth.username, password: auth.password },
      }),
      ...(auth?.kind === "bearer" && { headers: { authorization: `Bearer ${auth.token}` } }),
      ...(config.ca !== undefined && { ssl: { ca: config.ca } }),
    });
  }

  /** Sends one request; `what` names it in error messages ("writing reports"). */
  async request<T>(request: OpenSearchRequest, what: string): Promise<OpenSearchResponse<T>> {
    try {
      const response = await this.client.transport.request(
        {
          method: request.method,
          path: request.path,
          ...(request.query && { querystring: request.query }),
          ...(request.body !== undefined && {
            body: request.body as Record<string, unknown> | string,
          }),
          ...(request.ndjson !== undefined && { bulkBody: request.ndjson }),
        },
        {
          ...(request.ignore && { ignore: request.ignore }),
          maxRetries: request.maxRetries ?? 2,
        },
      );
      return { status: response.statusCode ?? 0, body: response.body as T };
    } catch (error) {
      throw toPwError(error, what, this.config.node, request.badRequest ?? "backend");
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** The `error` object OpenSearch puts in failed responses and bulk items. */
export interface ServerError {
  type?: string;
  reason?: string;
  caused_by?: ServerError;
}

/** "mapper_parsing_exception: failed to parse ... (caused by: ...)" */
export function describeServerError(error: ServerError | string | undefined): string {
  if (error === undefined) return "unknown error";
  if (typeof error === "string") return error;
  const head = [error.type, error.reason].filter(Boolean).join(": ") || "unknown error";
  const cause = error.caused_by?.reason;
  return cause && cause !== error.reason ? `${head} (caused by: ${cause})` : head;
}

/** Whether a status (of a response or of one bulk item) may succeed when tried again. */
export function isRetriableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

function toPwError(
  error: unknown,
  what: string,
  node: string,
  badRequest: "usage" | "backend",
): PwError {
  if (error instanceof errors.ResponseError) {
    const status = error.statusCode;
    const body = error.body as { error?: ServerError | string } | string | undefined;
    const detail =
      typeof body === "object" && body?.error !== undefined
        ? describeServerError(body.error)
        : String(typeof body === "string" ? body : "").slice(0, 300);
    if (status === 400 && badRequest === "usage") {
      return new UsageError(`OpenSearch rejected the query: ${detail}`, error);
    }
    if (status === 401 || status === 403) {
      return new BackendError(
        `OpenSearch at ${node} refused ${what} (HTTP ${status}: ${detail}): check PW_OPENSEARCH_USER/PW_OPENSEARCH_PASSWORD or PW_OPENSEARCH_TOKEN and the user's permissions`,
        { cause: error },
      );
    }
    return new BackendError(`OpenSearch failed ${what} (HTTP ${status}): ${detail}`, {
      retriable: isRetriableStatus(status),
      cause: error,
    });
  }
  if (
    error instanceof errors.ConnectionError ||
    error instanceof errors.TimeoutError ||
    error instanceof errors.NoLivingConnectionsError ||
    error instanceof errors.RequestAbortedError
  ) {
    return new BackendError(
      `cannot reach OpenSearch at ${node} while ${what}: ${error.message} (is it running? check --store / PW_STORE_URL)`,
      { retriable: true, cause: error },
    );
  }
  return new BackendError(`OpenSearch failed ${what}: ${(error as Error).message}`, {
    cause: error,
  });
}
