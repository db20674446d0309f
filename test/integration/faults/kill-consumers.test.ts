// Fault test: the alert and archive consumers are each killed -9 twenty times
// while reports are being ingested, and restarted each time; once they drain,
// every valid report is stored exactly once, every bad line is dead-lettered,
// and every agitated sighting raised an alert. On both backends: the embedded
// default, and Pulsar + OpenSearch. Needs `npm run build` first.
// Run: bash scripts/services/with-services.sh npx vitest run --project integration test/integration/faults
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { createStore } from "../../../src/backends/store/factory.js";
import {
  type Backend,
  deadLetters,
  distributedBackend,
  drained,
  embeddedBackend,
  feed,
  killLoop,
  makeWorkload,
  missing,
  pauses,
  printedAlertPairs,
  requireFreshBuild,
  startPw,
  stopCleanly,
  storedReportIds,
  THRESHOLD,
} from "./fault-kit.js";

const KILLS = 20;
const BAD_LINES = 7;
const ALERTS = ["alerts", "--format", "ndjson", "--threshold", String(THRESHOLD)];
const ARCHIVE = ["archive", "--flush-reports", "2000", "--flush-interval", "200ms"];

let backend: Backend | undefined;
afterEach(async () => {
  await backend?.cleanup();
  backend = undefined;
});

/**
 * How "every alert raised" is checked, independently of the cooldown: the
 * tracker turns every agitated sighting (a citizen under the threshold in a
 * report) into exactly one alert event, "opened" or "updated" (a repeat within
 * the cooldown folds into the open alert, so counting opened alerts would
 * depend on the order reports are processed in after each restart). So the
 * expectation is the set of (reportId, citizen) sightings computed from the
 * input, compared with the events the consumers printed (at least once: a
 * consumer killed after printing reprints after the redelivery), with the
 * reports the store says produced alerts, and, on the embedded store, with the
 * (reportId, citizen) pairs it recorded.
 */
async function killBothConsumersUnderLoad(options: {
  reports: number;
  perSecond: number;
  pauseMs: [number, number];
  seed: number;
}): Promise<void> {
  requireFreshBuild();
  const b = backend as Backend;
  const { env } = b;
  const work = await makeWorkload(options.reports, options.seed, BAD_LINES);

  const t0 = Date.now();
  const phase: string[] = [];
  const mark = (name: string) => phase.push(`${name} ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  const ingest = startPw(["ingest", "-"], env);
  const feeding = feed(ingest, work.lines, options.perSecond);
  const [alerts, archive] = await Promise.all([
    killLoop({
      args: ALERTS,
      env,
      kills: KILLS,
      pause: pauses(options.seed * 7, ...options.pauseMs),
    }),
    killLoop({
      args: ARCHIVE,
      env,
      kills: KILLS,
      pause: pauses(options.seed * 13, ...options.pauseMs),
    }),
  ]);
  mark("kills done");
  const stillFeeding = ingest.exitCode === null;
  await feeding;
  mark("fed");
  const ingested = await ingest.exited(180_000);
  expect(ingested.code, ingest.stderrText()).toBe(0);
  mark("ingested");

  const final = await drained(
    env,
    work.reportIds.size,
    [alerts.survivor, archive.survivor],
    240_000,
  );
  await stopCleanly(alerts.survivor);
  await stopCleanly(archive.survivor);
  mark("drained");

  const ids = await storedReportIds(env);
  const dead = await deadLetters(env);
  const distinct = new Set(ids);
  const printed = printedAlertPairs([...alerts.killed, alerts.survivor].map((p) => p.stdoutText()));
  const store = createStore({ url: env.PW_STORE_URL as string, dataDir: b.dataDir, env });
  let alerted: Set<string>;
  try {
    alerted = new Set<string>();
    const all = [...work.reportIds];
    for (let i = 0; i < all.length; i += 2000) {
      for (const id of await store.alertedReports(all.slice(i, i + 2000))) alerted.add(id);
    }
  } finally {
    await store.close();
  }

  mark("verified");
  process.stderr.write(
    `faults[${b.label} kill-9]: sent=${work.reportIds.size} stored=${ids.length} ` +
      `distinct=${distinct.size} duplicates=${ids.length - distinct.size} ` +
      `dead-lettered=${dead.total} (injected ${work.invalidLines}) ` +
      `alerts expected=${work.alertPairs.size} raised=${[...work.alertPairs].filter((p) => printed.has(p)).length} ` +
      `alerting reports expected=${work.alertingReports.size} recorded=${alerted.size} ` +
      `published=${final.reports.published} kills=${alerts.killed.length + archive.killed.length} ` +
      `(load still running when the kills ended: ${stillFeeding}; ${phase.join(", ")})\n`,
  );

  expect(ids.length).toBe(work.reportIds.size);
  expect(distinct.size).toBe(ids.length);
  expect(missing(work.reportIds, distinct)).toEqual([]);
  expect(final.reports.deadLettered).toBe(work.invalidLines);
  expect(dead.total).toBe(work.invalidLines);
  expect(dead.lines).toEqual(work.invalidLineNumbers);
  expect(missing(work.alertPairs, printed)).toEqual([]);
  expect(missing(printed, work.alertPairs)).toEqual([]);
  expect(alerted).toEqual(work.alertingReports);
  if (b.label === "embedded") {
    const catalog = new Database(join(b.dataDir, "store", "catalog.db"), { readonly: true });
    const recorded = new Set(
      catalog
        .prepare("SELECT report_id || ' ' || citizen FROM alert_reports")
        .pluck()
        .all() as string[],
    );
    catalog.close();
    expect(recorded).toEqual(work.alertPairs);
  }
  expect(alerts.killed.length + archive.killed.length).toBe(2 * KILLS);
}

describe("kill -9 of the alert and archive consumers during load", () => {
  it(`embedded: ${KILLS} kills each, nothing lost or duplicated, every alert raised`, {
    timeout: 300_000,
  }, async () => {
    backend = embeddedBackend("kill");
    await killBothConsumersUnderLoad({
      reports: 30_000,
      perSecond: 1_200,
      pauseMs: [300, 1_800],
      seed: 5,
    });
  });

  it(`Pulsar + OpenSearch: ${KILLS} kills each, nothing lost or duplicated, every alert raised`, {
    timeout: 400_000,
  }, async () => {
    backend = await distributedBackend("kill");
    await killBothConsumersUnderLoad({
      reports: 20_000,
      perSecond: 350,
      // A pw process takes 1-3 s here to connect to both servers: most kills hit a working consumer.
      pauseMs: [1_200, 3_400],
      seed: 9,
    });
  });
});
