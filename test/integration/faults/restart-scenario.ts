// One shared test server (the Pulsar broker or OpenSearch) is stopped and started
// again while `pw ingest` publishes and `pw alerts` / `pw archive` consume, on
// Pulsar + OpenSearch. Afterwards every valid report is stored exactly once,
// every bad line is dead-lettered, every agitated sighting raised an alert, and
// no process had to be restarted.
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "vitest";
import { createPulsarStream } from "../../../src/backends/stream/pulsar/pulsar-stream.js";
import { Topics } from "../../../src/backends/stream/types.js";
import {
  type Backend,
  deadLetters,
  drained,
  feed,
  makeWorkload,
  missing,
  printedAlertPairs,
  services,
  startPw,
  stopCleanly,
  storedReportIds,
  THRESHOLD,
  until,
} from "./fault-kit.js";

export interface RestartScenario {
  /** The server restarted mid-load. */
  service: "pulsar" | "opensearch";
  backend: Backend;
  reports: number;
  perSecond: number;
  seed: number;
  /** How long the server stays down, on top of its own stop and start times. */
  outageMs: number;
}

/** Runs the scenario, prints its counts, checks them, and returns the consumers' stderr. */
export async function restartDuringLoad(
  scenario: RestartScenario,
): Promise<{ alerts: string; archive: string; ingest: string }> {
  const { env } = scenario.backend;
  const work = await makeWorkload(scenario.reports, scenario.seed, 5);

  const alerts = startPw(["alerts", "--format", "ndjson", "--threshold", String(THRESHOLD)], env);
  const archive = startPw(["archive", "--flush-reports", "2000", "--flush-interval", "200ms"], env);
  const ingest = startPw(["ingest", "-"], env);
  const feeding = feed(ingest, work.lines, scenario.perSecond);

  let restartedAt = 0;
  let downMs = 0;
  // Watched from here: `pw status` is too slow to start to catch the moment.
  const stream = createPulsarStream({ url: env.PW_STREAM_URL as string, env });
  try {
    // Early in the load, with ingest publishing and both consumers at work (a
    // consumer that cannot reach a server at start-up fails at once: not this test).
    restartedAt = (
      await until(
        "a tenth of the reports published, alerts raised and reports archived",
        () => stream.stats(Topics.reports),
        (stats) =>
          stats.published >= scenario.reports / 10 &&
          alerts.stdoutText() !== "" &&
          (stats.subscriptions.find((sub) => sub.name === "archive")?.backlog ?? Infinity) <
            stats.published,
        120_000,
        100,
      )
    ).published;
    const down = Date.now();
    await services("down", scenario.service);
    await sleep(scenario.outageMs);
    await services("up", scenario.service);
    downMs = Date.now() - down;
  } finally {
    await stream.close();
    // The server is shared: whatever happened, it is up again afterwards.
    await services("up", scenario.service);
  }

  await feeding;
  const ingested = await ingest.exited(240_000);
  expect(ingested.code, ingest.stderrText()).toBe(0);
  for (const consumer of [alerts, archive]) {
    expect(consumer.exitCode, consumer.stderrText()).toBeNull();
  }

  await drained(env, work.reportIds.size, [alerts, archive], 240_000);
  await stopCleanly(alerts);
  await stopCleanly(archive);

  const ids = await storedReportIds(env);
  const distinct = new Set(ids);
  const printed = printedAlertPairs([alerts.stdoutText()]);
  const dead = await deadLetters(env);
  const retries = (text: string) =>
    text.split("\n").filter((l) => l.includes("trying again")).length;
  process.stderr.write(
    `faults[${scenario.service} restart]: sent=${work.reportIds.size} ` +
      `stored=${ids.length} distinct=${distinct.size} duplicates=${ids.length - distinct.size} ` +
      `dead-lettered=${dead.lines.size} (${dead.total} dead letters; injected ${work.invalidLines}) ` +
      `alerts expected=${work.alertPairs.size} raised=${[...work.alertPairs].filter((p) => printed.has(p)).length}; ` +
      `down at ${restartedAt} published, for ${(downMs / 1000).toFixed(1)} s; ` +
      `retries: archive ${retries(archive.stderrText())}, alerts ${retries(alerts.stderrText())}, ingest ${retries(ingest.stderrText())}; ` +
      `ingest: ${ingest.stderrText().trim().split("\n").at(-1)}\n`,
  );

  expect(ids.length).toBe(work.reportIds.size);
  expect(distinct.size).toBe(ids.length);
  expect(missing(work.reportIds, distinct)).toEqual([]);
  // Counted from the dead letters themselves: the broker's counters start from 0
  // again when it restarts, and a resend may repeat a dead letter.
  expect(dead.lines).toEqual(work.invalidLineNumbers);
  expect(missing(work.alertPairs, printed)).toEqual([]);
  expect(missing(printed, work.alertPairs)).toEqual([]);
  return {
    alerts: alerts.stderrText(),
    archive: archive.stderrText(),
    ingest: ingest.stderrText(),
  };
}
