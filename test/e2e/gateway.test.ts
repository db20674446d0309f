// `pw ingest --listen`: the real binary serving real HTTP(S) on 127.0.0.1, on the
// embedded stream in a temp data dir.
import type { ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { Agent, type ClientRequest, request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { finished, freshDataDir, ndjson, runPw, startPw } from "./pw.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A data dir and a credentials file of its own. */
function setup(label: string): Record<string, string> {
  const dir = freshDataDir(`gw-${label}`);
  dirs.push(dir);
  return { PW_DATA_DIR: dir, PW_DRONE_CREDENTIALS: join(dir, "drones.json") };
}

async function addDrone(env: Record<string, string>, droneId: string): Promise<string> {
  const run = await runPw(["drones", "add", droneId], { env });
  expect(run.code).toBe(0);
  return run.stdout.trim();
}

interface Gateway {
  child: ChildProcess;
  url: string;
  /** Everything the gateway wrote to stderr so far. */
  stderr: () => string;
  /** Resolves with the exit once the process ended. */
  exit: ReturnType<typeof finished>;
}

async function startGateway(env: Record<string, string>, args: string[] = []): Promise<Gateway> {
  const child = startPw(["ingest", "--listen", "127.0.0.1:0", ...args], env);
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const exit = finished(child);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const match = /listening on (https?:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
    if (match) return { child, url: match[1] as string, stderr: () => stderr, exit };
    if (Date.now() > deadline || child.exitCode !== null) {
      throw new Error(`the gateway did not start: ${stderr}`);
    }
    await sleep(50);
  }
}

interface Answer {
  status: number;
  headers: IncomingMessage["headers"];
  body: { [key: string]: unknown };
}

interface CallOptions {
  method?: string;
  path?: string;
  token?: string;
  body?: string | Buffer;
  contentType?: string;
  ca?: Buffer;
  agent?: Agent;
  /** Sends "Expect: 100-continue" and calls this once the server asked for the body. */
  onContinue?: (req: ClientRequest) => void;
}

function call(url: string, options: CallOptions = {}): Promise<Answer> {
  const target = new URL(options.path ?? "/v1/reports", url);
  const send = target.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {
      "Content-Type": options.contentType ?? "application/x-ndjson",
    };
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    if (options.onContinue) headers.Expect = "100-continue";
    const req = send(
      target,
      {
        method: options.method ?? "POST",
        headers,
        ...(options.ca && { ca: options.ca }),
        ...(options.agent && { agent: options.agent }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString();
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text ? JSON.parse(text) : {},
          });
        });
      },
    );
    req.on("error", reject);
    req.setTimeout(60_000, () => req.destroy(new Error("no answer within 60 s")));
    if (options.onContinue) {
      const onContinue = options.onContinue;
      req.on("continue", () => onContinue(req));
      req.flushHeaders();
    } else {
      req.end(options.body);
    }
  });
}

const report = (id: string, drone: string, score = 5) =>
  JSON.stringify({
    reportId: id,
    droneId: drone,
    ts: "2026-11-26T10:00:00Z",
    location: { lat: 48.85, lon: 2.35 },
    citizens: [{ name: "Ann", score }],
    words: ["calm"],
  });

const batch = (prefix: string, drone: string, n: number) =>
  `${Array.from({ length: n }, (_, i) => report(`${prefix}-${i}`, drone)).join("\n")}\n`;

async function published(env: Record<string, string>): Promise<number> {
  const status = await runPw(["status", "--json"], { env });
  return (JSON.parse(status.stdout) as { reports: { published: number } }).reports.published;
}

describe("pw drones", () => {
  it("issues a token once on stdout, lists drones without secrets, revokes", async () => {
    const env = setup("drones");
    const token = await addDrone(env, "d1");
    expect(token).toMatch(/^pwd_[A-Za-z0-9_-]{43}$/);
    const again = await runPw(["drones", "add", "d1"], { env });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already has a token; revoke it first/);
    expect((await runPw(["drones", "revoke", "d1"], { env })).code).toBe(0);
    const listed = await runPw(["drones", "list", "--json"], { env });
    expect(JSON.parse(listed.stdout)).toMatchObject({
      drones: [{ droneId: "d1", created: expect.any(String), revoked: expect.any(String) }],
    });
    const table = await runPw(["drones", "list", "--format", "csv"], { env });
    expect(table.stdout.split("\n")[0]).toBe("droneId,created,revoked");
    expect(listed.stdout + table.stdout).not.toMatch(/pwd_|[0-9a-f]{64}/);
  });
});

describe("pw ingest --listen", () => {
  it("accepts, refuses and dead-letters per line, and every accepted report is stored", async () => {
    const env = setup("main");
    const d1 = await addDrone(env, "d1");
    const d2 = await addDrone(env, "d2");
    const gw = await startGateway(env, ["--max-request-bytes", "100000", "--verbose"]);

    const health = await call(gw.url, { method: "GET", path: "/healthz" });
    expect(health).toMatchObject({ status: 200, body: { status: "ok", stream: "up" } });

    const ok = await call(gw.url, { token: d1, body: batch("ok", "d1", 50) });
    expect(ok).toMatchObject({ status: 200, body: { accepted: 50, deadLettered: 0 } });

    const single = await call(gw.url, {
      token: d2,
      body: JSON.stringify(JSON.parse(report("single", "d2")), null, 2),
      contentType: "application/json",
    });
    expect(single).toMatchObject({ status: 200, body: { accepted: 1 } });

    const mixed = [
      report("m-1", "d1"),
      "{not json",
      report("m-3", "d1", 11),
      report("m-4", "d2"),
      "",
      report("m-6", "d1", 0.5),
    ].join("\n");
    const partial = await call(gw.url, { token: d1, body: mixed });
    expect(partial.status).toBe(400);
    expect(partial.body).toMatchObject({ accepted: 2, deadLettered: 3, errorCount: 3 });
    expect(partial.body.errors).toEqual([
      { line: 2, problems: [{ path: "", message: expect.stringMatching(/^malformed JSON/) }] },
      { line: 3, problems: [{ path: "citizens[0].score", message: "must be <= 10" }] },
      {
        line: 4,
        problems: [
          { path: "droneId", message: 'is "d2" but the credential belongs to drone "d1"' },
        ],
      },
    ]);

    const spoofed = await call(gw.url, { token: d2, body: batch("spoof", "d1", 3) });
    expect(spoofed).toMatchObject({ status: 403, body: { accepted: 0, deadLettered: 3 } });

    const unknown = await call(gw.url, {
      token: `pwd_${"x".repeat(43)}`,
      body: batch("u", "d1", 1),
    });
    expect(unknown.status).toBe(401);
    expect(unknown.headers["www-authenticate"]).toMatch(/^Bearer/);
    expect((await call(gw.url, { body: batch("u", "d1", 1) })).status).toBe(401);

    const tooBig = await call(gw.url, { token: d1, body: batch("big", "d1", 1000) });
    expect(tooBig.status).toBe(413);

    // A revoked token is refused by the running gateway, without a restart.
    expect((await runPw(["drones", "revoke", "d2"], { env })).code).toBe(0);
    let afterRevoke = 0;
    for (let i = 0; i < 50 && afterRevoke !== 401; i++) {
      afterRevoke = (await call(gw.url, { token: d2, body: report("r", "d2") })).status;
      if (afterRevoke !== 401) await sleep(100);
    }
    expect(afterRevoke).toBe(401);

    gw.child.kill("SIGTERM");
    const exit = await gw.exit;
    expect(exit.code).toBe(0);
    expect(exit.stdout).toBe("");
    expect(exit.stderr).toMatch(/POST \/v1\/reports 400 drone=d1 accepted=2 dead-lettered=3/);
    expect(exit.stderr).toMatch(/gateway stopped: .*accepted \d+ report\(s\), dead-lettered 6/);
    for (const token of [d1, d2]) expect(exit.stderr).not.toContain(token);

    expect((await runPw(["run", "--until-idle"], { env })).code).toBe(0);
    const stored = ndjson<{ reportId: string }>(
      (await runPw(["query", "reports", "--format", "ndjson"], { env })).stdout,
    ).map((r) => r.reportId);
    const expected = [...Array.from({ length: 50 }, (_, i) => `ok-${i}`), "single", "m-1", "m-6"];
    // d2's report sent while the revocation was being picked up may be stored too.
    expect(stored.filter((id) => id !== "r").sort()).toEqual(expected.sort());
    const dead = ndjson<{ source: string; line: number }>(
      (await runPw(["dead-letters", "--format", "ndjson"], { env })).stdout,
    );
    expect(dead.map((d) => [d.source, d.line])).toEqual([
      ["http:d1", 2],
      ["http:d1", 3],
      ["http:d1", 4],
      ["http:d2", 1],
      ["http:d2", 2],
      ["http:d2", 3],
    ]);
  });

  it("serves HTTPS with the given certificate and key", async () => {
    const env = setup("tls");
    const dir = env.PW_DATA_DIR as string;
    const cert = join(dir, "cert.pem");
    const key = join(dir, "key.pem");
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        key,
        "-out",
        cert,
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
      ],
      { stdio: "ignore" },
    );
    const token = await addDrone(env, "d1");
    const gw = await startGateway(env, ["--tls-cert", cert, "--tls-key", key]);
    expect(gw.url).toMatch(/^https:/);
    const ca = readFileSync(cert);
    const answer = await call(gw.url, { token, body: batch("tls", "d1", 3), ca });
    expect(answer).toMatchObject({ status: 200, body: { accepted: 3 } });
    // Plain HTTP to the TLS port gets no report in.
    const plain = await call(gw.url.replace("https:", "http:"), {
      token,
      body: batch("x", "d1", 1),
    }).then(
      (a) => a.status,
      () => "no answer",
    );
    expect(plain).not.toBe(200);
    gw.child.kill("SIGTERM");
    expect((await gw.exit).code).toBe(0);
    expect(await published(env)).toBe(3);
  });

  it("answers 429 with Retry-After when the stream pushes back, and loses nothing it accepted", async () => {
    const env = setup("busy");
    const token = await addDrone(env, "d1");
    const gw = await startGateway(env, ["--max-in-flight", "100"]);
    // Drones keep their connections open: seven of them, each with a connection.
    const agent = new Agent({ keepAlive: true });
    const health = { method: "GET", path: "/healthz", agent };
    await Promise.all(Array.from({ length: 7 }, () => call(gw.url, health)));
    // Another process holds the log's write lock: the stream stalls, as under a heavy writer.
    const db = new Database(join(env.PW_DATA_DIR as string, "stream", "log.db"));
    try {
      db.exec("BEGIN IMMEDIATE");
      const first = call(gw.url, { token, agent, body: batch("first", "d1", 100) });
      await sleep(500);
      const more = Array.from({ length: 6 }, (_, i) =>
        call(gw.url, { token, agent, body: batch(`more${i}`, "d1", 100) }),
      );
      await sleep(500);
      db.exec("ROLLBACK");
      const answers = [await first, ...(await Promise.all(more))];
      expect(answers[0]?.status).toBe(200);
      const refused = answers.filter((a) => a.status === 429);
      expect(refused.length).toBeGreaterThan(0);
      for (const a of refused) expect(a.headers["retry-after"]).toBe("1");
      expect(answers.every((a) => a.status === 200 || a.status === 429)).toBe(true);
      const accepted = answers.filter((a) => a.status === 200).length * 100;
      gw.child.kill("SIGTERM");
      expect((await gw.exit).code).toBe(0);
      expect(await published(env)).toBe(accepted);
    } finally {
      db.close();
      agent.destroy();
    }
  });

  it("drains the requests under way on SIGTERM: each is answered 200 and none is lost", async () => {
    const env = setup("drain");
    const token = await addDrone(env, "d1");
    const gw = await startGateway(env);
    const asked: ClientRequest[] = [];
    const answers = Array.from({ length: 3 }, (_, i) =>
      call(gw.url, {
        token,
        onContinue: (req) => {
          // The server has the request; the body comes only after SIGTERM.
          asked.push(req);
          req.write(batch(`drain${i}`, "d1", 20).slice(0, 100));
          (req as ClientRequest & { rest?: string }).rest = batch(`drain${i}`, "d1", 20).slice(100);
        },
      }),
    );
    for (let i = 0; i < 600 && asked.length < 3; i++) await sleep(50);
    expect(asked).toHaveLength(3);
    gw.child.kill("SIGTERM");
    // New connections are refused while the three are still under way.
    let refusedNew = false;
    for (let i = 0; i < 100 && !refusedNew; i++) {
      refusedNew = await call(gw.url, { method: "GET", path: "/healthz" }).then(
        () => false,
        (error: NodeJS.ErrnoException) => error.code === "ECONNREFUSED",
      );
      if (!refusedNew) await sleep(50);
    }
    expect(refusedNew).toBe(true);
    for (const req of asked) req.end((req as ClientRequest & { rest?: string }).rest);
    const statuses = (await Promise.all(answers)).map((a) => a.status);
    expect(statuses).toEqual([200, 200, 200]);
    const exit = await gw.exit;
    expect(exit.code).toBe(0);
    expect(exit.stderr).toMatch(
      /gateway stopped: \d+ request\(s\) \(200: \d+\), accepted 60 report/,
    );
    expect(await published(env)).toBe(60);
  });
});
