import { rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, expect, it } from "vitest";
import { finished, freshDataDir, ndjson, runPw, startPw } from "./pw.js";

const dataDir = freshDataDir("lifecycle");
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const ann = (id: string, minute: number) =>
  JSON.stringify({
    reportId: id,
    droneId: "pw-0001",
    ts: new Date(Date.parse("2026-11-26T10:00:00Z") + minute * 60_000).toISOString(),
    location: { lat: 48.85, lon: 2.35 },
    citizens: [{ name: "Ann Lee", score: 0.5 }],
    words: [],
  });

it("ack stops repeat notifications, resolve lets a new sighting open a new alert, all audited", async () => {
  const hooks: { event: string; alertId: string; state: string }[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      hooks.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const env = { PW_DATA_DIR: dataDir, PW_OPERATOR: "zoe" };
  const { port } = server.address() as AddressInfo;
  const consumer = startPw(
    ["alerts", "--format", "ndjson", "--notify-webhook", `http://127.0.0.1:${port}/hook`],
    env,
  );
  let out = "";
  consumer.stdout?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  const events = () =>
    ndjson<{ event: string; alertId: string; state: string; occurrences: number }>(out);
  const waitFor = async (check: () => boolean) => {
    const end = Date.now() + 20_000;
    while (!check() && Date.now() < end) await sleep(50);
    expect(check()).toBe(true);
  };

  await runPw(["ingest", "-"], { env, input: `${ann("r1", 0)}\n` });
  await waitFor(() => events().length === 1 && hooks.length === 1);
  const alertId = events()[0]!.alertId;

  const acked = await runPw(["alerts", "ack", alertId, "--reason", "patrol sent", "--json"], {
    env,
  });
  expect(JSON.parse(acked.stdout)).toMatchObject({
    state: "acked",
    audit: [{ operator: "zoe", reason: "patrol sent" }],
  });
  await sleep(700); // the consumer looks for state changes twice a second
  await runPw(["ingest", "-"], { env, input: `${ann("r2", 2)}\n` });
  await waitFor(() => events().length === 2);
  expect(events()[1]).toMatchObject({ event: "updated", alertId, state: "acked", occurrences: 2 });
  await sleep(500);
  expect(hooks).toHaveLength(1); // no repeat notification for an acked alert

  const again = await runPw(["alerts", "ack", alertId, "--reason", "twice"], { env });
  expect(again.code).toBe(2);
  expect(again.stderr.trim()).toBe(`pw: alert ${alertId} is already acked`);

  expect(
    (
      await runPw(["alerts", "resolve", alertId, "--reason", "calm again", "--operator", "max"], {
        env,
      })
    ).code,
  ).toBe(0);
  await sleep(700);
  await runPw(["ingest", "-"], { env, input: `${ann("r3", 4)}\n` });
  await waitFor(() => events().length === 3 && hooks.length === 2);
  expect(events()[2]).toMatchObject({ event: "opened", state: "open" });
  expect(events()[2]!.alertId).not.toBe(alertId);

  const shown = JSON.parse((await runPw(["alerts", "show", alertId, "--json"], { env })).stdout);
  expect(
    shown.audit.map((e: { operator: string; action: string; from: string; to: string }) => [
      e.operator,
      e.action,
      e.from,
      e.to,
    ]),
  ).toEqual([
    ["zoe", "ack", "open", "acked"],
    ["max", "resolve", "acked", "resolved"],
  ]);
  const listed = JSON.parse(
    (await runPw(["alerts", "list", "--state", "open", "--json"], { env })).stdout,
  );
  expect(listed.alerts.map((a: { alertId: string }) => a.alertId)).toEqual([events()[2]!.alertId]);
  const missing = await runPw(["alerts", "show", "al_missing"], { env });
  expect(missing.code).toBe(1);
  expect(missing.stderr).toMatch(/no alert al_missing/);

  consumer.kill("SIGTERM");
  expect((await finished(consumer)).code).toBe(0);
  server.close();
});
