import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { AlertEvent } from "../domain/alert.js";
import { execTarget, redactWebhookUrl, webhookTarget } from "./notification-targets.js";
import { type FailedDelivery, Notifier } from "./notifier.js";

const event = (alertId: string, occurrences = 1): AlertEvent => ({
  event: occurrences === 1 ? "opened" : "updated",
  reportId: `r-${alertId}`,
  alert: {
    alertId,
    rule: "agitated",
    severity: "high",
    state: "open",
    citizen: "Zoë Martin",
    score: 1.2,
    droneId: "pw-0007",
    location: { lat: 48.85, lon: 2.35 },
    reportId: `r-${alertId}`,
    reportTs: "2026-11-26T10:00:00Z",
    detectedAt: "2026-11-26T10:00:00.005Z",
    words: ["stop"],
    occurrences,
    lastScore: 1.2,
    lastDroneId: "pw-0007",
    lastLocation: { lat: 48.85, lon: 2.35 },
    lastReportId: `r-${alertId}`,
    lastReportTs: "2026-11-26T10:00:00Z",
    lastDetectedAt: "2026-11-26T10:00:00.005Z",
  },
});

/** A webhook receiver on 127.0.0.1 answering with the given statuses in turn (then the last one). */
async function receiver(statuses: number[]) {
  const bodies: unknown[] = [];
  let calls = 0;
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      const status = statuses[Math.min(calls++, statuses.length - 1)]!;
      if (status < 300) bodies.push(JSON.parse(body));
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/T000/SECRET-TOKEN`, bodies, calls: () => calls };
}
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
});

async function until(check: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe("Notifier", () => {
  it("retries a webhook that fails first, and delivers once it recovers, in order", async () => {
    const hook = await receiver([503, 503, 200]);
    const failures: FailedDelivery[] = [];
    const notifier = new Notifier({
      targets: [webhookTarget(hook.url, "generic")],
      onFailure: (f) => {
        failures.push(f);
      },
      retryDelayMs: 10,
    });
    notifier.notify(event("a1"));
    notifier.notify(event("a1", 2));
    await until(() => hook.bodies.length === 2);
    await notifier.close();
    expect(hook.calls()).toBe(4);
    expect(hook.bodies).toEqual([
      expect.objectContaining({
        event: "opened",
        alertId: "a1",
        citizen: "Zoë Martin",
        location: { lat: 48.85, lon: 2.35 },
      }),
      expect.objectContaining({ event: "updated", occurrences: 2 }),
    ]);
    expect(failures).toEqual([]);
  });

  it("records a delivery the server refuses for good, without retrying, and never prints the secret", async () => {
    const hook = await receiver([404]);
    const failures: FailedDelivery[] = [];
    const notifier = new Notifier({
      targets: [webhookTarget(hook.url, "slack")],
      onFailure: (f) => {
        failures.push(f);
      },
      retryDelayMs: 10,
    });
    notifier.notify(event("a2"));
    await until(() => failures.length === 1);
    await notifier.close();
    expect(hook.calls()).toBe(1);
    expect(failures[0]).toMatchObject({
      alertId: "a2",
      attempts: 1,
      error: expect.stringMatching(/HTTP 404/),
    });
    expect(JSON.stringify(failures)).not.toMatch(/SECRET-TOKEN/);
    expect(redactWebhookUrl(hook.url)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/…$/);
  });

  it("gives up after the last attempt and records it", async () => {
    const hook = await receiver([500]);
    const failures: FailedDelivery[] = [];
    const notifier = new Notifier({
      targets: [webhookTarget(hook.url, "discord")],
      onFailure: (f) => {
        failures.push(f);
      },
      maxAttempts: 3,
      retryDelayMs: 5,
    });
    notifier.notify(event("a3"));
    await until(() => failures.length === 1);
    expect(hook.calls()).toBe(3);
    expect(failures[0]).toMatchObject({ attempts: 3, error: expect.stringMatching(/HTTP 500/) });
    await notifier.close();
  });

  it("never blocks the caller: a full queue drops its oldest entry and records it", async () => {
    const stuck = { name: "stuck", deliver: () => new Promise<void>(() => undefined) };
    const failures: FailedDelivery[] = [];
    const notifier = new Notifier({
      targets: [stuck],
      onFailure: (f) => {
        failures.push(f);
      },
      queueLimit: 2,
    });
    const started = Date.now();
    for (const id of ["q1", "q2", "q3", "q4"]) notifier.notify(event(id));
    expect(Date.now() - started).toBeLessThan(1000);
    await until(() => failures.length === 2);
    expect(failures.map((f) => [f.alertId, f.error])).toEqual([
      ["q1", expect.stringMatching(/queue full/)],
      ["q2", expect.stringMatching(/queue full/)],
    ]);
    await notifier.close(50);
    expect(failures.map((f) => f.alertId)).toEqual(["q1", "q2", "q3", "q4"]);
  });

  it("runs a command with the alert JSON on stdin", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pw-exec-"));
    const out = join(dir, "alert.json");
    const notifier = new Notifier({
      targets: [execTarget(`cat > '${out}'`)],
      onFailure: () => undefined,
    });
    notifier.notify(event("e1"));
    await until(() => {
      try {
        return readFileSync(out, "utf8").endsWith("\n");
      } catch {
        return false;
      }
    });
    await notifier.close();
    expect(JSON.parse(readFileSync(out, "utf8"))).toMatchObject({
      alertId: "e1",
      citizen: "Zoë Martin",
    });
    rmSync(dir, { recursive: true, force: true });
  });
});
