import { rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, expect, it } from "vitest";
import { freshDataDir, runPw } from "./pw.js";

const dataDir = freshDataDir("notify");
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const agitated = (id: string, name: string) =>
  JSON.stringify({
    reportId: id,
    droneId: "pw-0001",
    ts: "2026-11-26T10:00:00Z",
    location: { lat: 48.85, lon: 2.35 },
    citizens: [{ name, score: 0.5 }],
    words: ["stop"],
  });

it("delivers alerts to a webhook, and counts refused deliveries in pw status", async () => {
  const received: { citizen: string; event: string }[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      if (req.url?.startsWith("/refuse")) return res.writeHead(400).end();
      received.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const env = { PW_DATA_DIR: dataDir };
  await runPw(["ingest", "-"], {
    env,
    input: `${agitated("n1", "Ann")}\n${agitated("n2", "Bob")}\n`,
  });
  const run = await runPw(
    [
      "run",
      "--until-idle",
      "--notify-webhook",
      `http://127.0.0.1:${port}/ok/SECRET`,
      "--notify-webhook",
      `http://127.0.0.1:${port}/refuse/SECRET`,
    ],
    { env },
  );
  server.close();
  expect(run.code).toBe(0);
  expect(received.map((r) => [r.event, r.citizen]).sort()).toEqual([
    ["opened", "Ann"],
    ["opened", "Bob"],
  ]);
  expect(run.stderr).toMatch(
    /notification not delivered \(webhook http:\/\/127\.0\.0\.1:\d+\/…, alert al_\w+\): .*HTTP 400/,
  );
  expect(run.stderr + run.stdout).not.toMatch(/SECRET/);
  const status = JSON.parse((await runPw(["status", "--json"], { env })).stdout);
  expect(status.notificationsFailed).toBe(2);
});
