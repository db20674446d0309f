/**
 * The HTTP gateway under 100k generated bad inputs, over real HTTP, on a real embedded
 * stream in a temp dir, with real hashed drone credentials.
 *
 * Most bad inputs are hostile report lines (hostile-inputs.ts), sent as raw bytes in
 * NDJSON batches among valid neighbours of the token's drone; the rest is hostility at
 * the HTTP level (credentials, methods and paths, oversized bodies, bogus framing, bytes
 * that are not HTTP, application/json bodies). Every answer is checked as it arrives;
 * at the end the stream itself is read: exactly the valid neighbours on `reports` (byte
 * for byte, each once), exactly the bad lines on `reports-dlq` with their line numbers.
 *
 * PW_FUZZ_GATEWAY_INPUTS sets the number of bad inputs (default 100,000), PW_FUZZ_SEED
 * the seed: a failure names the seed and the batch to replay it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, type IncomingHttpHeaders, type OutgoingHttpHeaders, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createEmbeddedStream,
  type EmbeddedStream,
} from "../../src/backends/stream/embedded/embedded-stream.js";
import { type Message, Topics } from "../../src/backends/stream/types.js";
import type { FieldProblem } from "../../src/domain/errors.js";
import type { Report } from "../../src/domain/report.js";
import type { DeadLetter } from "../../src/pipeline/dead-letter.js";
import { addDrone, DroneCredentialSource, revokeDrone } from "../../src/pipeline/drone-registry.js";
import {
  HEALTH_PATH,
  REPORTS_PATH,
  ReportGateway,
  type ReportsReply,
} from "../../src/pipeline/gateway/server.js";
import {
  type BuiltBatch,
  buildChunk,
  deadLetterKey,
  type SentBad,
  sha,
} from "./gateway-batches.js";
import { hostileLines, hostileNdjsonLine, validLine, validReport } from "./hostile-inputs.js";
import { type RawExchange, rawExchange, rawRequest } from "./raw-http.js";

const TOTAL = Number(process.env.PW_FUZZ_GATEWAY_INPUTS ?? 100_000);
const SEED = Number(process.env.PW_FUZZ_SEED ?? 20_261_126);
/** Requests under way at once: enough for the publisher's group commits, not a load test. */
const CONCURRENCY = 6;
const MAX_REQUEST_BYTES = 2 * 1024 * 1024;
/** How many line errors a 400 lists (server.ts). */
const MAX_LISTED_ERRORS = 1000;

/** Bad inputs of each kind sent apart from the NDJSON batches: [at 100k, at least]. */
const AT_100K = {
  "json-body": [1000, 10],
  "huge-line": [30, 2],
  "long-batch": [2400, 1200],
  auth: [400, 12],
  "method-path": [250, 10],
  "too-large": [24, 6],
  framing: [120, 12],
  garbage: [80, 8],
} as const;
type HttpKind = keyof typeof AT_100K;
const scaled = (kind: HttpKind) =>
  Math.max(AT_100K[kind][1], Math.round((AT_100K[kind][0] * TOTAL) / 100_000));

// ---------------------------------------------------------------------------------------
// The gateway, its stream and its drones

/** Drone ids with a valid token: odd ones too, since they end up in keys and sources. */
const DRONES = ["d1", "drone-é😀", "__proto__", "constructor"] as const;
const REVOKED = "gone";

const dataDir = mkdtempSync(join(tmpdir(), "pw-gateway-fuzz-"));
const credentialsPath = join(dataDir, "drones.json");
const tokens = new Map<string, string>();
let revokedToken = "";
let stream: EmbeddedStream;
let gateway: ReportGateway;
let port = 0;
let stopped = false;
const logs: string[] = [];
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

beforeAll(async () => {
  for (const id of DRONES) tokens.set(id, addDrone(credentialsPath, id).token);
  revokedToken = addDrone(credentialsPath, REVOKED).token;
  revokeDrone(credentialsPath, REVOKED);
  stream = createEmbeddedStream({ dataDir });
  gateway = new ReportGateway({
    listen: { host: "127.0.0.1", port: 0 },
    openProducers: async () => ({
      reports: await stream.createProducer({ topic: Topics.reports }),
      deadLetters: await stream.createProducer({ topic: Topics.reportsDeadLetter }),
    }),
    credentials: new DroneCredentialSource(credentialsPath),
    maxRequestBytes: MAX_REQUEST_BYTES,
    // Far above what CONCURRENCY requests hold: a 429 here would be a bug, not back-pressure.
    maxInFlight: 1_000_000,
    publishTimeoutMs: 120_000,
    log: (line) => logs.push(line),
    logRequests: true,
  });
  port = Number(new URL(await gateway.start()).port);
  for (let i = 0; i < 500 && gateway.streamState !== "up"; i++) await sleep(10);
  expect(gateway.streamState).toBe("up");
}, 60_000);

afterAll(async () => {
  agent.destroy();
  if (!stopped) await gateway?.shutdown(1000);
  await stream?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const tokenOf = (drone: string) => tokens.get(drone) as string;

// ---------------------------------------------------------------------------------------
// What was sent, and so what the answers and the stream must hold

/** Valid neighbours by reportId (each carries a unique prefix): their drone and text. */
const expectedReports = new Map<string, { drone: string; sha: string }>();
/** Dead letters expected, as source + line + input hash, with how many of each. */
const expectedDead = new Map<string, number>();
const inputs = new Map<string, number>();
const statuses = new Map<string, number>();
const failures: string[] = [];
let requests = 0;
let validSent = 0;
let nextReport = 0;

const count = (map: Map<string, number>, key: string, by = 1) =>
  map.set(key, (map.get(key) ?? 0) + by);

/** Records a failure and goes on: a test ends by showing the first ones it recorded. */
function fail(context: string, message: string): void {
  failures.push(`${context}: ${message}`);
}

/** A valid report of `drone` with a unique reportId: expected on the reports topic once. */
function neighbour(report: Report, drone: string, expected = true): string {
  const reportId = `n${nextReport++}~${[...report.reportId].slice(0, 100).join("")}`;
  const text = JSON.stringify({ ...report, reportId, droneId: drone });
  if (expected) {
    expectedReports.set(reportId, { drone, sha: sha(text) });
    validSent++;
  }
  return text;
}

/** A report that must NOT reach the stream (its request is refused as a whole). */
const notPublished = (report: Report, drone: string) => neighbour(report, drone, false);

function expectDeadLetter(drone: string, line: number, bytes: Buffer): void {
  count(expectedDead, deadLetterKey(drone, line, bytes));
}

/** True when `problem` names `path` itself or something inside it. */
const names = (problem: FieldProblem, path: string) =>
  problem.path === path ||
  problem.path.startsWith(`${path}.`) ||
  problem.path.startsWith(`${path}[`);

// ---------------------------------------------------------------------------------------
// HTTP

interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** Set when the connection failed before an answer came. */
  error?: string;
}

/** One request through Node's client; `pieces` sends the body chunked, cut at those offsets. */
function send(options: {
  method?: string;
  path?: string;
  headers: OutgoingHttpHeaders;
  body: Buffer;
  pieces?: readonly number[];
}): Promise<HttpAnswer> {
  return new Promise((resolve) => {
    let answered = false;
    const req = request(
      {
        host: "127.0.0.1",
        port,
        agent,
        method: options.method ?? "POST",
        path: options.path ?? REPORTS_PATH,
        headers: options.pieces
          ? options.headers
          : { ...options.headers, "Content-Length": options.body.length },
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", (e) =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: "",
            error: e.message,
          }),
        );
      },
    );
    // A server that answers before reading the whole body (413) may reset the upload.
    req.on("error", (e) => {
      if (!answered) resolve({ status: 0, headers: {}, text: "", error: e.message });
    });
    if (options.pieces) {
      let at = 0;
      for (const cut of [...options.pieces].sort((a, b) => a - b)) {
        req.write(options.body.subarray(at, cut));
        at = cut;
      }
      req.end(options.body.subarray(at));
    } else {
      req.end(options.body);
    }
  });
}

/** The answer's JSON object, or a failure when it is not one. */
function jsonOf(
  context: string,
  answer: { status: number; text?: string; body?: string; headers: Record<string, unknown> },
): Record<string, unknown> | undefined {
  count(statuses, answer.status === 0 ? "no answer" : String(answer.status));
  const text = answer.text ?? answer.body ?? "";
  const type = String(answer.headers["content-type"] ?? "");
  if (!type.startsWith("application/json")) {
    fail(context, `answer ${answer.status} is not application/json: ${type} ${text.slice(0, 200)}`);
    return undefined;
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // reported below
  }
  fail(context, `answer ${answer.status} is not a JSON object: ${text.slice(0, 200)}`);
  return undefined;
}

/** A JSON `{"error": "..."}` answer with `status` (and no report taken). */
function expectRefusal(
  context: string,
  answer: HttpAnswer | RawExchange["answers"][number],
  status: number,
): void {
  if (answer.status !== status) {
    fail(context, `expected ${status}, got ${answer.status}`);
  }
  const body = jsonOf(context, answer);
  if (body && (typeof body.error !== "string" || body.error.trim() === "")) {
    fail(context, `a ${answer.status} without an error reason: ${JSON.stringify(body)}`);
  }
}

/** Runs `work` over `items`, `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

// ---------------------------------------------------------------------------------------
// Line-bearing requests: what was sent on each line, and the answer that must come back

type LinePlan = Pick<BuiltBatch, "context" | "drone" | "valid" | "bad" | "refusedOnly">;

function checkLineAnswer(plan: LinePlan, answer: HttpAnswer) {
  requests++;
  const { context } = plan;
  if (answer.error !== undefined || answer.status === 0) {
    count(statuses, "no answer");
    return fail(context, `no answer: ${answer.error}`);
  }
  const body = jsonOf(context, answer) as Partial<ReportsReply> | undefined;
  if (plan.valid + plan.bad.length === 0) {
    if (answer.status !== 400) fail(context, `a body without reports got ${answer.status}`);
    return;
  }
  const status = plan.bad.length === 0 ? 200 : plan.valid === 0 && plan.refusedOnly ? 403 : 400;
  if (answer.status !== status) {
    return fail(context, `expected ${status}, got ${answer.status}: ${answer.text.slice(0, 500)}`);
  }
  if (!body) return;
  if (body.accepted !== plan.valid || body.deadLettered !== plan.bad.length) {
    fail(
      context,
      `accepted ${body.accepted}/${plan.valid}, dead-lettered ${body.deadLettered}/${plan.bad.length}`,
    );
  }
  if (body.errorCount !== plan.bad.length || !Array.isArray(body.errors)) {
    return fail(context, `errorCount ${body.errorCount}, expected ${plan.bad.length}`);
  }
  if (status !== 200 && (typeof body.error !== "string" || body.error === "")) {
    fail(context, "no error summary");
  }
  // Only the first MAX_LISTED_ERRORS are listed; errorCount has them all.
  const listed = plan.bad.slice(0, MAX_LISTED_ERRORS);
  const lines = body.errors.map((e) => e.line);
  const expected = listed.map((b) => b.line);
  if (lines.join() !== expected.join()) {
    return fail(context, `error lines ${lines.join()} but bad lines ${expected.join()}`);
  }
  for (const [i, error] of body.errors.entries()) {
    const sent = listed[i] as SentBad;
    const where = `${context} line ${sent.line} (${sent.category})`;
    if (!Array.isArray(error.problems) || error.problems.length === 0) {
      fail(where, "rejected without a problem");
      continue;
    }
    for (const p of error.problems) {
      if (typeof p.message !== "string" || p.message.trim() === "" || typeof p.path !== "string") {
        fail(where, `a problem without a reason: ${JSON.stringify(p)}`);
      }
    }
    if (sent.path !== undefined && !error.problems.some((p) => names(p, sent.path as string))) {
      fail(where, `no problem names ${sent.path}: ${JSON.stringify(error.problems).slice(0, 300)}`);
    }
    if (
      sent.category === "invalid-utf8" &&
      !/invalid UTF-8 at byte \d+/.test(error.problems[0]?.message ?? "")
    ) {
      fail(where, `not told which byte is not UTF-8: ${JSON.stringify(error.problems)}`);
    }
  }
}

// ---------------------------------------------------------------------------------------
// The tests

const httpLevel = Object.keys(AT_100K).reduce((n, k) => n + scaled(k as HttpKind), 0);
const NDJSON_BAD_LINES = Math.max(0, TOTAL - httpLevel);
const started = performance.now();
const prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort().join();

describe(`the HTTP gateway under ${TOTAL} hostile inputs (seed ${SEED})`, () => {
  it(`answers NDJSON batches holding ${NDJSON_BAD_LINES} bad lines line by line`, async () => {
    const before = failures.length;
    let remaining = NDJSON_BAD_LINES;
    for (let chunk = 0; remaining > 0; chunk++) {
      const built = buildChunk({
        seed: SEED + chunk,
        count: 24,
        budget: remaining,
        drones: DRONES,
        others: [REVOKED, "D1", "d1 ", "d1\u0000"],
      });
      remaining -= built.badLines;
      await pool(built.batches, CONCURRENCY, async (b) => {
        for (const [id, hash] of b.reports) expectedReports.set(id, { drone: b.drone, sha: hash });
        validSent += b.reports.length;
        for (const key of b.dead) count(expectedDead, key);
        for (const bad of b.bad) count(inputs, bad.category);
        const headers: OutgoingHttpHeaders = { Authorization: `Bearer ${tokenOf(b.drone)}` };
        if (b.contentType) headers["Content-Type"] = b.contentType;
        const answer = await send({
          headers,
          body: b.body,
          ...(b.pieces && { pieces: b.pieces }),
        });
        checkLineAnswer(b, answer);
      });
    }
    expect(failures.slice(before, before + 100)).toEqual([]);
  }, 600_000);

  it(`answers ${scaled("json-body")} hostile application/json bodies, and takes valid ones`, async () => {
    const before = failures.length;
    const bad = hostileNdjsonLine({ withHuge: false });
    const space = fc.constantFrom("", "\n", "  ", "\r\n", "\t \n ");
    const arb = fc.record({
      drone: fc.nat({ max: DRONES.length - 1 }),
      input: fc.oneof(
        { weight: 3, arbitrary: bad.map((b) => ({ bad: b })) },
        { weight: 1, arbitrary: validReport.map((report) => ({ report })) },
      ),
      lead: space,
      trail: space,
      bom: fc.boolean(),
      type: fc.constantFrom(
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
      ),
    });
    const target = scaled("json-body");
    let sent = 0;
    for (let chunk = 0; sent < target; chunk++) {
      const seed = SEED + 1_000_000 + chunk;
      const plans = fc.sample(arb, { numRuns: 48, seed }).flatMap((s, i) => {
        if ("bad" in s.input && sent >= target) return [];
        const drone = DRONES[s.drone] as string;
        const context = `json seed ${seed} body ${i}`;
        const plan: LinePlan = { context, drone, valid: 0, bad: [], refusedOnly: false };
        let core: Buffer;
        if ("bad" in s.input) {
          sent++;
          core = s.input.bad.bytes;
          const { category, path } = s.input.bad;
          plan.bad.push({ line: 1, category, ...(path && { path }) });
          count(inputs, `${category} (json)`);
        } else {
          core = Buffer.from(neighbour(s.input.report, drone));
          plan.valid = 1;
        }
        const text = Buffer.concat([Buffer.from(s.lead), core, Buffer.from(s.trail)]);
        // A leading BOM is dropped: a BOM-led bad body gets one more, so it stays bad.
        const bom = s.bom || ("bad" in s.input && s.input.bad.category === "bom");
        if ("bad" in s.input) expectDeadLetter(drone, 1, text);
        const body = bom ? Buffer.concat([Buffer.from("\uFEFF"), text]) : text;
        const headers = { Authorization: `Bearer ${tokenOf(drone)}`, "Content-Type": s.type };
        return [{ plan, body, headers }];
      });
      await pool(plans, CONCURRENCY, async (p) => {
        checkLineAnswer(p.plan, await send({ headers: p.headers, body: p.body }));
      });
    }
    expect(failures.slice(before, before + 100)).toEqual([]);
  }, 300_000);

  it(`dead-letters ${scaled("huge-line")} lines around the 1 MiB report limit among neighbours`, async () => {
    const before = failures.length;
    const arb = fc.tuple(
      hostileLines.huge,
      validReport,
      validReport,
      fc.nat({ max: DRONES.length - 1 }),
    );
    const samples = fc.sample(arb, { numRuns: scaled("huge-line"), seed: SEED + 2_000_000 });
    const plans = samples.map(([huge, before, after, d], i) => {
      const drone = DRONES[d] as string;
      const bytes = Buffer.from(huge.text);
      const plan: LinePlan = {
        context: `huge seed ${SEED + 2_000_000} sample ${i}`,
        drone,
        valid: 2,
        bad: [{ line: 2, category: "huge", ...(huge.path && { path: huge.path }) }],
        refusedOnly: false,
      };
      count(inputs, "huge");
      expectDeadLetter(drone, 2, bytes);
      const body = Buffer.concat([
        Buffer.from(`${neighbour(before, drone)}\n`),
        bytes,
        Buffer.from(`\n${neighbour(after, drone)}\n`),
      ]);
      return { plan, body, headers: { Authorization: `Bearer ${tokenOf(drone)}` } };
    });
    await pool(plans, 2, async (p) => {
      checkLineAnswer(p.plan, await send({ headers: p.headers, body: p.body }));
    });
    expect(failures.slice(before, before + 100)).toEqual([]);
  }, 300_000);

  it(`lists the first ${MAX_LISTED_ERRORS} errors of batches with ${scaled("long-batch")} bad lines`, async () => {
    const before = failures.length;
    const perRequest = 1200;
    const samples = fc.sample(
      fc.tuple(
        fc.array(hostileNdjsonLine({ withHuge: false }), {
          minLength: perRequest,
          maxLength: perRequest,
        }),
        fc.array(validReport, { minLength: 200, maxLength: 200 }),
        fc.nat({ max: DRONES.length - 1 }),
      ),
      { numRuns: Math.ceil(scaled("long-batch") / perRequest), seed: SEED + 2_500_000 },
    );
    for (const [i, [bad, valid, d]] of samples.entries()) {
      const drone = DRONES[d] as string;
      const plan: LinePlan = {
        context: `long-batch seed ${SEED + 2_500_000} sample ${i}`,
        drone,
        valid: valid.length,
        bad: [],
        refusedOnly: false,
      };
      // A valid neighbour after every sixth bad line; a BOM-led first line keeps its BOM.
      const parts: Buffer[] = [Buffer.from("\uFEFF")];
      let line = 0;
      for (const [at, b] of bad.entries()) {
        line++;
        parts.push(b.bytes, Buffer.from("\n"));
        plan.bad.push({ line, category: b.category, ...(b.path && { path: b.path }) });
        count(inputs, `${b.category} (long batch)`);
        expectDeadLetter(drone, line, b.bytes);
        const report = at % 6 === 5 ? valid[(at - 5) / 6] : undefined;
        if (report) {
          line++;
          parts.push(Buffer.from(`${neighbour(report, drone)}\n`));
        }
      }
      const answer = await send({
        headers: { Authorization: `Bearer ${tokenOf(drone)}` },
        body: Buffer.concat(parts),
      });
      checkLineAnswer(plan, answer);
    }
    expect(failures.slice(before, before + 100)).toEqual([]);
  }, 300_000);

  it(`answers 401 to ${scaled("auth")} missing, malformed, unknown or revoked credentials`, async () => {
    const before = failures.length;
    const valid = fc.constantFrom(...DRONES).map(tokenOf);
    // Header values as raw bytes: visible ASCII, spaces and obs-text (0x80..0xff).
    const junk = fc
      .array(fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff })), {
        minLength: 1,
        maxLength: 80,
      })
      .map((codes) => String.fromCharCode(...codes));
    const flip = (t: string, at: number) => {
      const i = 4 + (at % (t.length - 4));
      return `${t.slice(0, i)}${t[i] === "A" ? "B" : "A"}${t.slice(i + 1)}`;
    };
    const authorization: fc.Arbitrary<string[]> = fc.oneof(
      fc.constant<string[]>([]),
      fc
        .constantFrom(
          "",
          "Bearer",
          "Bearer ",
          "Basic ZDE6cHc=",
          "Token pwd_x",
          "Bearer null",
          "Bearer undefined",
          "Bearer __proto__",
          "Bearer constructor",
          "Bearer toString",
          `Bearer pwd_${"A".repeat(43)}`,
          `Bearer ${"A".repeat(8000)}`,
        )
        .map((v) => [v]),
      fc.constant<string[]>([`Bearer ${revokedToken}`]),
      valid.map((t) => [`Bearer ${t}x`]),
      valid.map((t) => [`Bearer ${t.slice(0, -1)}`]),
      fc.tuple(valid, fc.nat()).map(([t, at]) => [`Bearer ${flip(t, at)}`]),
      valid.map((t) => [`Bearer ${t} ${t}`]),
      valid.map((t) => [`Bearer\t${t}`]),
      valid.map((t) => [`Basic ${t}`]),
      valid.map((t) => [t]),
      valid.map((t) => [`Bearer ${t.toUpperCase()}`]),
      junk.map((j) => [j]),
      junk.map((j) => [`Bearer ${j}`]),
      // Node keeps the first of repeated Authorization headers.
      fc.tuple(junk, valid).map(([j, t]) => [`Bearer ${j}`, `Bearer ${t}`]),
    );
    const arb = fc.tuple(authorization, fc.nat({ max: DRONES.length - 1 }), validReport);
    const samples = fc.sample(arb, { numRuns: scaled("auth"), seed: SEED + 3_000_000 });
    await pool([...samples.entries()], CONCURRENCY, async ([i, [auth, d, report]]) => {
      const context = `auth seed ${SEED + 3_000_000} sample ${i} ${JSON.stringify(auth).slice(0, 120)}`;
      const body = Buffer.from(`${notPublished(report, DRONES[d] as string)}\n`);
      const headers: [string, string][] = [
        ["Host", "127.0.0.1"],
        ["Content-Type", "application/x-ndjson"],
        ["Content-Length", String(body.length)],
        ["Connection", "close"],
        ...auth.map((a): [string, string] => ["Authorization", a]),
      ];
      const exchange = await rawExchange(
        port,
        rawRequest(`POST ${REPORTS_PATH} HTTP/1.1`, headers, body),
        {
          after: "wait",
          timeoutMs: 30_000,
        },
      );
      requests++;
      count(inputs, "auth");
      const answer = exchange.answers[0];
      if (exchange.answers.length !== 1 || !answer) {
        count(statuses, "no answer");
        return fail(
          context,
          `expected one answer, got ${exchange.answers.length} (${exchange.ended})`,
        );
      }
      expectRefusal(context, answer, 401);
      if (answer.headers["www-authenticate"] !== 'Bearer realm="pw"') {
        fail(context, `no WWW-Authenticate: ${JSON.stringify(answer.headers)}`);
      }
    });
    expect(failures.slice(before, before + 100)).toEqual([]);
  }, 300_000);

  it(`answers 404 or 405 to ${scaled("method-path")} wrong methods and paths`, async () => {
    const before = failures.length;
    const notOurs = (p: string) => {
      const path = p.split("?")[0];
      return path !== REPORTS_PATH && path !== HEALTH_PATH;
    };
    const paths = fc.oneof(
      fc.constantFrom(
        "/",
        "/v1/reports/",
        "/v1/report",
        "/V1/REPORTS",
        "/v1//reports",
        "//v1/reports",
        "/v1/reports%2F",
        "/v1/reports/../reports",
        "/v1/reports;x",
        "/healthz/",
        "/__proto__",
        "/constructor",
        "*",
        "http://127.0.0.1/v1/reports",
      ),
      fc.webPath().filter((p) => p.startsWith("/")),
    );
    const arb = fc.oneof(
      // The reports path with another method: 405 naming POST.
      fc.constantFrom("GET", "PUT", "DELETE", "PATCH", "OPTIONS").map((method) => ({
        method,
        path: REPORTS_PATH,
        status: 405,
        allow: "POST",
      })),
      fc.constantFrom("POST", "PUT", "DELETE", "PATCH").map((method) => ({
        method,
        path: HEALTH_PATH,
        status: 405,
        allow: "GET, HEAD",
      })),
      fc
        .tuple(fc.constantFrom("POST", "GET", "PUT"), paths.filter(notOurs))
        .map(([method, path]) => ({ method, path, status: 404, allow: undefined })),
    );
    const samples = fc.sample(fc.tuple(arb, validReport), {
      numRuns: scaled("method-path"),
      seed: SEED + 4_000_000,
    });
    await pool([...samples.entries()], CONCURRENCY, async ([i, [c, report]]) => {
      const context = `method-path seed ${SEED + 4_000_000} sample ${i}: ${c.method} ${c.path}`;
      const body = Buffer.from(notPublished(report, "d1"));
      const exchange = await rawExchange(
        port,
        rawRequest(
          `${c.method} ${c.path} HTTP/1.1`,
          [
            ["Host", "127.0.0.1"],
            ["Authorization", `Bearer ${tokenOf("d1")}`],
            ["Content-Length", String(body.length)],
            ["Connection", "close"],
          ],
          body,
        ),
        { after: "wait", timeoutMs: 30_000 },
      );
      requests++;
      count(inputs, "method-path");
      const answer = exchange.answers[0];
      if (exchange.answers.length !== 1 || !answer) {
        count(statuses, "no answer");
        return fail(
          context,
          `expected one answer, got ${exchange.answers.length} (${exchange.ended})`,
        );
      }
      expectRefusal(context, answer, c.status);
      if (c.allow !== undefined && answer.headers.allow !== c.allow) {
        fail(context, `Allow: ${answer.headers.allow}, expected ${c.allow}`);
      }
    });
    expect(failures.slice(before, before + 100)).toEqual([]);
  }, 300_000);

  it(`answers 413 to ${scaled("too-large")} bodies over the limit, read or not`, async () => {
    const before = failures.length;
    const ways = ["declared", "expect-continue", "sent-with-length", "sent-chunked"] as const;
    const samples = fc.sample(
      fc.tuple(fc.constantFrom(...ways), fc.integer({ min: 1, max: 100_000 }), validLine),
      {
        numRuns: scaled("too-large"),
        seed: SEED + 5_000_000,
      },
    );
    // One at a time: these bodies are large.
    for (const [i, [way, excess, line]] of samples.entries()) {
      const context = `too-large seed ${SEED + 5_000_000} sample ${i} (${way}, +${excess})`;
      requests++;
      count(inputs, `too-large (${way})`);
      // Valid lines of d1 that must not be published: the request is refused as a whole.
      const lines = `${notPublished(JSON.parse(line) as Report, "d1")}\n`;
      const body = Buffer.alloc(MAX_REQUEST_BYTES + excess, lines);
      const auth = `Bearer ${tokenOf("d1")}`;
      if (way === "declared" || way === "expect-continue") {
        const headers: [string, string][] = [
          ["Host", "127.0.0.1"],
          ["Authorization", auth],
          ["Content-Length", String(body.length)],
        ];
        if (way === "expect-continue") headers.push(["Expect", "100-continue"]);
        // Only the start of the body is sent: the answer must come without the rest.
        const request = rawRequest(
          `POST ${REPORTS_PATH} HTTP/1.1`,
          headers,
          way === "declared" ? body.subarray(0, 1000) : undefined,
        );
        const exchange = await rawExchange(port, request, { after: "wait", timeoutMs: 30_000 });
        const answer = exchange.answers[0];
        if (exchange.answers.length !== 1 || !answer) {
          count(statuses, "no answer");
          fail(context, `expected one answer, got ${exchange.answers.length} (${exchange.ended})`);
          continue;
        }
        expectRefusal(context, answer, 413);
      } else {
        const answer = await send({
          headers: { Authorization: auth },
          body,
          ...(way === "sent-chunked" && {
            pieces: [1000, MAX_REQUEST_BYTES - 1000, MAX_REQUEST_BYTES + 10],
          }),
        });
        if (answer.status === 0) {
          count(statuses, "no answer");
          fail(context, `no answer: ${answer.error}`);
          continue;
        }
        expectRefusal(context, answer, 413);
      }
    }
    expect(failures.slice(before, before + 100)).toEqual([]);
  }, 300_000);

  it(`survives ${scaled("framing")} bogus Content-Lengths, bad chunks, cut and abandoned uploads`, async () => {
    const before = failures.length;
    const head = (headers: [string, string][]) =>
      rawRequest(`POST ${REPORTS_PATH} HTTP/1.1`, [
        ["Host", "127.0.0.1"],
        ["Authorization", `Bearer ${tokenOf("d1")}`],
        ...headers,
      ]);
    /** A chunked upload's head (plus `extra` headers) and its first chunk, holding `lines`. */
    const chunkedStart = (lines: Buffer, extra: [string, string][] = []) => [
      head([...extra, ["Transfer-Encoding", "chunked"]]),
      Buffer.from(`${lines.length.toString(16)}\r\n`),
      lines,
    ];
    type Case = {
      name: string;
      request: (lines: Buffer) => Buffer;
      after: "end" | "destroy" | "wait";
      expect: "400" | "none" | "400s";
    };
    const cases: Case[] = [
      ...["abc", "-1", "1.5", "0x10", "1e3", "+3", "3, 3", "99999999999999999999999"].map(
        (value): Case => ({
          name: `Content-Length: ${value}`,
          request: (lines) => Buffer.concat([head([["Content-Length", value]]), lines]),
          after: "wait",
          expect: "400",
        }),
      ),
      {
        name: "two Content-Lengths",
        request: (lines) =>
          Buffer.concat([
            head([
              ["Content-Length", String(lines.length)],
              ["Content-Length", "1"],
            ]),
            lines,
          ]),
        after: "wait",
        expect: "400",
      },
      {
        name: "Content-Length and chunked",
        request: (lines) =>
          Buffer.concat([
            ...chunkedStart(lines, [["Content-Length", String(lines.length)]]),
            Buffer.from("\r\n0\r\n\r\n"),
          ]),
        after: "wait",
        expect: "400",
      },
      {
        name: "Transfer-Encoding: gzip",
        request: (lines) => Buffer.concat([head([["Transfer-Encoding", "gzip"]]), lines]),
        after: "end",
        expect: "400",
      },
      {
        // Valid lines in a first chunk, then a chunk size that is not hex: nothing published.
        name: "a bad chunk after good ones",
        request: (lines) =>
          Buffer.concat([...chunkedStart(lines), Buffer.from("\r\nzz\r\nabc\r\n0\r\n\r\n")]),
        after: "wait",
        expect: "400",
      },
      {
        name: "a body cut short, then the end of the connection",
        request: (lines) =>
          Buffer.concat([head([["Content-Length", String(lines.length + 1000)]]), lines]),
        after: "end",
        expect: "400",
      },
      {
        name: "chunked body cut short, then the end of the connection",
        request: (lines) => Buffer.concat([...chunkedStart(lines), Buffer.from("\r\n")]),
        after: "end",
        expect: "400",
      },
      {
        name: "an upload abandoned half-way",
        request: (lines) =>
          Buffer.concat([head([["Content-Length", String(lines.length + 1000)]]), lines]),
        after: "destroy",
        expect: "none",
      },
      {
        name: "a chunked upload abandoned half-way",
        request: (lines) => Buffer.concat(chunkedStart(lines)),
        after: "destroy",
        expect: "none",
      },
      {
        // Content-Length shorter than the body: what follows is read as the next request.
        name: "Content-Length shorter than the body",
        request: (lines) =>
          Buffer.concat([head([["Content-Length", "2"]]), Buffer.from("\n\n"), lines]),
        after: "wait",
        expect: "400s",
      },
    ];
    const samples = fc.sample(
      fc.tuple(fc.constantFrom(...cases), fc.array(validReport, { minLength: 1, maxLength: 5 })),
      { numRuns: scaled("framing"), seed: SEED + 6_000_000 },
    );
    await pool([...samples.entries()], CONCURRENCY, async ([i, [c, reports]]) => {
      const context = `framing seed ${SEED + 6_000_000} sample ${i}: ${c.name}`;
      // Valid lines of d1 that must never be published: the request is never complete.
      const lines = Buffer.from(reports.map((r) => `${notPublished(r, "d1")}\n`).join(""));
      const exchange = await rawExchange(port, c.request(lines), {
        after: c.after,
        timeoutMs: 30_000,
      });
      requests++;
      count(inputs, "framing");
      if (exchange.ended === "timeout")
        return fail(context, "the gateway neither answered nor closed");
      if (c.expect === "none") {
        count(statuses, "aborted by the client");
        return;
      }
      if (exchange.answers.length === 0) {
        count(statuses, "no answer");
        return fail(context, `no answer (${exchange.ended}, ${exchange.leftover} stray bytes)`);
      }
      if (c.expect === "400" && exchange.answers.length !== 1) {
        fail(context, `${exchange.answers.length} answers`);
      }
      if (exchange.leftover > 0) fail(context, `${exchange.leftover} bytes after the answers`);
      for (const answer of exchange.answers) expectRefusal(context, answer, 400);
    });
    expect(failures.slice(before, before + 100)).toEqual([]);
  }, 300_000);

  it(`answers ${scaled("garbage")} byte streams that are not HTTP with a JSON 4xx, or nothing`, async () => {
    const before = failures.length;
    const CRLF_ONLY = /^[\r\n]*$/;
    const arb = fc.oneof(
      fc
        .uint8Array({ minLength: 1, maxLength: 300 })
        .map((a) => ({ bytes: Buffer.from(a), status: 400 })),
      fc
        .constantFrom(
          `POST ${REPORTS_PATH} HTTP/9.9\r\nHost: x\r\n\r\n`,
          `post ${REPORTS_PATH} HTTP/1.1\r\nHost: x\r\n\r\n`,
          `BREW ${REPORTS_PATH} HTTP/1.1\r\nHost: x\r\n\r\n`,
          "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
          `POST ${REPORTS_PATH} HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n`,
          `POST ${REPORTS_PATH} HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n`,
          `POST ${REPORTS_PATH} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \u0001\u0000\r\n\r\n`,
          `POST ${REPORTS_PATH} HTTP/1.1\r\nHost: x\r\nX-A: \u007f\r\n\r\n`,
          `POST ${REPORTS_PATH} HTTP/1.1\r\nHost: x\r\n`,
          "\r\n\r\n\r\n",
        )
        .map((s) => ({ bytes: Buffer.from(s, "latin1"), status: 400 })),
      // A request line without a version is read as HTTP/0.9: it reaches the gateway, tokenless.
      fc.constant({ bytes: Buffer.from(`POST ${REPORTS_PATH}\r\n\r\n`), status: 401 }),
      fc.integer({ min: 17_000, max: 40_000 }).map((n) => ({
        bytes: Buffer.from(
          `POST ${REPORTS_PATH} HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(n)}\r\n\r\n`,
        ),
        status: 431,
      })),
    );
    const samples = fc.sample(arb, { numRuns: scaled("garbage"), seed: SEED + 7_000_000 });
    await pool([...samples.entries()], CONCURRENCY, async ([i, g]) => {
      const context = `garbage seed ${SEED + 7_000_000} sample ${i}: ${JSON.stringify(g.bytes.toString("latin1").slice(0, 80))}`;
      const exchange = await rawExchange(port, g.bytes, { after: "end", timeoutMs: 30_000 });
      requests++;
      count(inputs, "garbage");
      if (exchange.ended === "timeout")
        return fail(context, "the gateway neither answered nor closed");
      if (exchange.answers.length === 0) {
        count(statuses, "no answer");
        // Nothing but line ends is no request at all.
        if (!CRLF_ONLY.test(g.bytes.toString("latin1")))
          fail(context, `no answer (${exchange.ended})`);
        return;
      }
      if (exchange.leftover > 0) fail(context, `${exchange.leftover} bytes after the answers`);
      for (const answer of exchange.answers) {
        if (answer.status < 400 || answer.status > 499) fail(context, `answered ${answer.status}`);
        else expectRefusal(context, answer, g.status);
      }
    });
    expect(failures.slice(before, before + 100)).toEqual([]);
  }, 300_000);

  it("published exactly the valid neighbours and dead-lettered exactly the bad lines", async () => {
    const before = failures.length;
    // The gateway still answers, and nothing leaked into Object.prototype.
    const health = await send({
      method: "GET",
      path: HEALTH_PATH,
      headers: {},
      body: Buffer.alloc(0),
    });
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text)).toMatchObject({ status: "ok", stream: "up" });
    const probe: Record<string, unknown> = {};
    expect(probe.polluted).toBeUndefined();
    expect(Object.getPrototypeOf(probe)).toBe(Object.prototype);
    expect(Object.getOwnPropertyNames(Object.prototype).sort().join()).toBe(prototypeNames);

    const summary = await gateway.shutdown(10_000);
    stopped = true;

    const reports = await readAll(Topics.reports, expectedReports.size);
    const seen = new Set<string>();
    for (const m of reports) {
      const id = (JSON.parse(m.value) as Report).reportId;
      const expected = expectedReports.get(id);
      if (!expected)
        fail("reports topic", `published but never sent as a valid neighbour: ${id.slice(0, 40)}`);
      else if (seen.has(id)) fail("reports topic", `published twice: ${id.slice(0, 40)}`);
      else if (expected.sha !== sha(m.value) || m.key !== expected.drone) {
        fail("reports topic", `${id.slice(0, 40)} published altered (key ${m.key})`);
      }
      seen.add(id);
    }
    for (const id of expectedReports.keys()) {
      if (!seen.has(id)) fail("reports topic", `valid neighbour lost: ${id.slice(0, 40)}`);
    }

    const dead = await readAll(
      Topics.reportsDeadLetter,
      [...expectedDead.values()].reduce((a, b) => a + b, 0),
    );
    const left = new Map(expectedDead);
    for (const m of dead) {
      const letter = JSON.parse(m.value) as DeadLetter;
      const key = `${letter.source}\n${letter.line}\n${sha(letter.input)}`;
      const n = left.get(key) ?? 0;
      if (n === 0)
        fail(
          "dead-letter topic",
          `unexpected: ${letter.source} line ${letter.line}: ${letter.reason.slice(0, 100)}`,
        );
      else left.set(key, n - 1);
      if (letter.reason.trim() === "" || letter.problems.length === 0) {
        fail("dead-letter topic", `${letter.source} line ${letter.line} without a reason`);
      }
      if (m.key !== letter.source || m.properties.line !== String(letter.line)) {
        fail(
          "dead-letter topic",
          `key ${m.key} / line property ${m.properties.line} disagree with the letter`,
        );
      }
    }
    for (const [key, n] of left) {
      if (n > 0)
        fail(
          "dead-letter topic",
          `a bad line not dead-lettered: ${key.split("\n").slice(0, 2).join(" line ")}`,
        );
    }

    const badInputs = [...inputs.values()].reduce((a, b) => a + b, 0);
    const secrets = [...tokens.values(), revokedToken];
    const logText = logs.join("\n");
    for (const secret of secrets) if (logText.includes(secret)) fail("log", "a token was logged");
    if (/authorization|bearer/i.test(logText)) fail("log", "an Authorization header was logged");
    if (logText.includes("unexpected error"))
      fail("log", logs.find((l) => l.includes("unexpected error")) ?? "");

    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const rows = [...inputs.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([c, n]) => `  ${c.padEnd(28)} ${String(n).padStart(7)}`);
    const byStatus = [...statuses.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([s, n]) => `${s}: ${n}`)
      .join(", ");
    // biome-ignore lint/suspicious/noConsole: the count of generated inputs is this test's report
    console.info(
      [
        `gateway fuzz (seed ${SEED}): ${badInputs} bad inputs in ${requests} requests, ${seconds} s`,
        `  ${validSent} valid neighbours published once each (${reports.length} on ${Topics.reports})`,
        `  ${dead.length} bad lines dead-lettered with their line numbers`,
        `  answers seen by the clients: ${byStatus}`,
        `  the gateway's own count: ${JSON.stringify(summary.byStatus)}`,
        "bad inputs per category:",
        ...rows,
      ].join("\n"),
    );

    expect(failures.slice(before, before + 100)).toEqual([]);
    expect(badInputs).toBeGreaterThanOrEqual(TOTAL);
    expect(reports).toHaveLength(validSent);
    expect(summary.accepted).toBe(validSent);
    expect(summary.deadLettered).toBe(dead.length);
  }, 300_000);
});

async function readAll(topic: string, expected: number): Promise<Message[]> {
  const reader = await stream.createReader({ topic, start: "earliest" });
  const out: Message[] = [];
  try {
    while (out.length < expected) {
      const got = await reader.read({ maxMessages: 5000, timeoutMs: 500 });
      if (got.length === 0) break;
      out.push(...got);
    }
    // Anything beyond `expected` would be a duplicate or a stray: look once more.
    out.push(...(await reader.read({ maxMessages: 5000, timeoutMs: 50 })));
  } finally {
    await reader.close();
  }
  return out;
}
