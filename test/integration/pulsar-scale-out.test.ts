// Scale-out on a real Pulsar: three `pw archive` processes share the reports
// topic, one is killed -9 mid-way, and every report is still stored exactly once;
// and a Key_Shared subscription keeps each drone's reports in order across two
// consumers. Needs `npm run build` first (it runs the real binary).
// Run: bash scripts/services/with-services.sh npx vitest run --project integration
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PulsarAdmin } from "../../src/backends/stream/pulsar/admin-client.js";
import { parsePulsarConfig } from "../../src/backends/stream/pulsar/pulsar-config.js";
import { createPulsarStream } from "../../src/backends/stream/pulsar/pulsar-stream.js";
import { type Message, type Stream, Topics } from "../../src/backends/stream/types.js";
import { pulsarTestSettings } from "./services-env.js";

const BIN = fileURLToPath(new URL("../../bin/run.js", import.meta.url));
const REPORTS = 200_000;

/** The binary runs dist/: refuse to test a build older than the driver's sources. */
function requireFreshBuild(): void {
  const built = fileURLToPath(
    new URL("../../dist/backends/stream/pulsar/pulsar-stream.js", import.meta.url),
  );
  const source = fileURLToPath(
    new URL("../../src/backends/stream/pulsar/pulsar-stream.ts", import.meta.url),
  );
  let builtAt = 0;
  try {
    builtAt = statSync(built).mtimeMs;
  } catch {
    // not built at all
  }
  if (builtAt < statSync(source).mtimeMs) {
    throw new Error("dist/ is missing or older than src/: run `npm run build` first");
  }
}

async function until<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let reportAt = Date.now() + 15_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > reportAt) {
      reportAt += 15_000;
      process.stderr.write(`still waiting for ${what}: ${JSON.stringify(value)}\n`);
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not reached within ${timeoutMs} ms (last: ${JSON.stringify(value)})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const namespace = `public/pwtest-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
let url = "";
let env: NodeJS.ProcessEnv = {};
let admin: PulsarAdmin;
let stream: Stream;
const children = new Set<ChildProcess>();

/** Starts the real binary with the test's Pulsar settings; stderr is kept for failure messages. */
function pw(args: string[]): ChildProcess & { stderrText: () => string } {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env, NO_COLOR: "1" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.add(child);
  child.on("exit", () => children.delete(child));
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return Object.assign(child, { stderrText: () => stderr });
}

function exited(
  child: ChildProcess,
  timeoutMs: number,
): Promise<{ code: number | null; signal: string | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(`pw ${child.spawnargs.slice(2).join(" ")} did not exit within ${timeoutMs} ms`),
        ),
      timeoutMs,
    );
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

async function output(args: string[], timeoutMs = 60_000): Promise<string> {
  const child = pw(args);
  let stdout = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stdin?.end();
  const { code } = await exited(child, timeoutMs);
  if (code !== 0) throw new Error(`pw ${args.join(" ")} exited ${code}: ${child.stderrText()}`);
  return stdout;
}

beforeAll(async () => {
  ({ url, env } = pulsarTestSettings(namespace));
  admin = new PulsarAdmin(parsePulsarConfig({ url, env }));
  await admin.createNamespace(namespace);
  stream = createPulsarStream({ url, env });
});

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await stream?.close();
  await admin?.deleteNamespace(namespace);
});

describe("Pulsar scale-out", () => {
  it(`stores ${REPORTS} reports exactly once with 3 archive processes, one killed -9 mid-way`, {
    timeout: 900_000,
  }, async () => {
    requireFreshBuild();
    const dataDir = mkdtempSync(join(tmpdir(), "pw-pulsar-scale-"));
    try {
      const backend = ["--stream", url, "--data-dir", dataDir];
      const archives = [0, 1, 2].map(() => pw(["archive", ...backend]));
      for (const a of archives) a.stdout?.resume();
      await until(
        "3 archive consumers subscribed",
        async () =>
          (await stream.stats(Topics.reports)).subscriptions.find((s) => s.name === "archive")
            ?.consumers ?? 0,
        (n) => n === 3,
        60_000,
      );

      const simulate = pw(["simulate", "--count", String(REPORTS), "--seed", "3"]);
      const ingest = pw(["ingest", "-", ...backend]);
      simulate.stdout?.pipe(ingest.stdin as NodeJS.WritableStream);
      ingest.stdout?.resume();

      // Mid-way: the victim holds received, unacked reports when it dies.
      const killedAt = await until(
        "half the reports published",
        async () => (await stream.stats(Topics.reports)).published,
        (n) => n >= REPORTS / 2,
        240_000,
      );
      const victim = archives[0] as ChildProcess;
      victim.kill("SIGKILL");
      expect((await exited(victim, 10_000)).signal).toBe("SIGKILL");

      expect((await exited(simulate, 240_000)).code).toBe(0);
      const ingested = await exited(ingest, 240_000);
      expect(ingested.code, ingest.stderrText()).toBe(0);

      const drained = await until(
        "archive backlog drained",
        () => stream.stats(Topics.reports),
        (s) =>
          s.published === REPORTS &&
          s.subscriptions.find((sub) => sub.name === "archive")?.backlog === 0,
        300_000,
      );
      for (const a of archives.slice(1)) a.kill("SIGTERM");
      // The surviving consumers stop cleanly on SIGTERM.
      const survivors: string[] = [];
      for (const a of archives.slice(1)) {
        const { code } = await exited(a, 60_000);
        survivors.push(code === 0 ? "exit 0" : `exit ${code}: ${a.stderrText().split("\n")[0]}`);
      }

      const totals = JSON.parse(
        await output([
          "query",
          "sql",
          "SELECT count(*) AS n, count(DISTINCT report_id) AS d FROM reports",
          "--json",
          "--data-dir",
          dataDir,
        ]),
      ).rows[0] as { n: number; d: number };
      process.stderr.write(
        `pulsar scale-out: sent ${drained.published}, archive #1 killed -9 at ${killedAt} published, stored ${totals.n} (${totals.d} distinct); survivors: ${survivors.join("; ")}\n`,
      );
      expect(totals).toEqual({ n: REPORTS, d: REPORTS });
      expect(survivors).toEqual(archives.slice(1).map(() => "exit 0"));
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("keeps each key on one consumer of a Key_Shared subscription, in order, under load", async () => {
    const topic = `keyshared-${Date.now().toString(36)}`;
    const keys = 100;
    const count = 20_000;
    const other = createPulsarStream({ url, env });
    try {
      const options = {
        topic,
        subscription: "ordered",
        type: "Key_Shared" as const,
        initialPosition: "Earliest" as const,
      };
      const consumers = [await stream.subscribe(options), await other.subscribe(options)];
      const producer = await stream.createProducer({ topic });
      const publishing = producer.sendBatch(
        Array.from({ length: count }, (_, i) => ({
          key: `drone-${i % keys}`,
          value: JSON.stringify({ seq: Math.floor(i / keys) }),
        })),
      );
      const received: Message[][] = [[], []];
      const deadline = Date.now() + 120_000;
      await Promise.all(
        consumers.map(async (consumer, c) => {
          while (received[0]!.length + received[1]!.length < count && Date.now() < deadline) {
            const got = await consumer.receive({ maxMessages: 250, timeoutMs: 200 });
            received[c]!.push(...got);
            await consumer.ack(got);
          }
        }),
      );
      await publishing;
      await producer.close();

      expect(received[0]!.length + received[1]!.length).toBe(count);
      const keysOf = received.map((ms) => new Set(ms.map((m) => m.key)));
      expect([...keysOf[0]!].filter((k) => keysOf[1]!.has(k))).toEqual([]);
      expect(keysOf[0]!.size + keysOf[1]!.size).toBe(keys);
      for (const ms of received) {
        const lastSeq = new Map<string, number>();
        for (const m of ms) {
          const { seq } = JSON.parse(m.value) as { seq: number };
          expect(seq, `key ${m.key}`).toBe((lastSeq.get(m.key as string) ?? -1) + 1);
          lastSeq.set(m.key as string, seq);
        }
      }
      process.stderr.write(
        `pulsar Key_Shared: ${count} messages, ${keys} keys split ${keysOf[0]!.size}/${keysOf[1]!.size}, per-key order kept\n`,
      );
      for (const consumer of consumers) await consumer.close();
    } finally {
      await other.close();
    }
  });
});
