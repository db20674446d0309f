import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import type { Store, TopAgitatedRow } from "../backends/store/types.js";
import { type Stream, Topics } from "../backends/stream/types.js";
import type { AlertEvent } from "../domain/alert.js";
import type { AlertRuleSet } from "../domain/alert-rules.js";
import type { Simulation } from "../domain/simulation/simulation.js";
import { ingest } from "./ingest.js";
import { runPipeline } from "./run-pipeline.js";
import { simulatedFeed } from "./simulate-feed.js";
import { collectStatus, type StatusResult } from "./status.js";

export interface DemoOptions {
  stream: Stream;
  store: Store;
  ruleSet: AlertRuleSet;
  simulation: Simulation;
  count: number;
  ratePerSecond: number;
  onAlert?: (event: AlertEvent) => void;
  signal?: AbortSignal;
}

export interface DemoSummary {
  simulated: number;
  ingested: number;
  deadLettered: number;
  stored: number;
  alertsOpened: number;
  alertEvents: number;
  elapsedMs: number;
  topAgitated: TopAgitatedRow[];
  status: StatusResult;
}

/**
 * The whole job in one process: simulated reports go through the same ingest
 * path as `pw ingest` into the stream, the alert and archive consumers run on
 * their own subscriptions, and the demo ends once every report is stored.
 */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const started = Date.now();
  const stop = new AbortController();
  options.signal?.addEventListener("abort", () => stop.abort(), { once: true });
  const pipeline = runPipeline({
    stream: options.stream,
    store: options.store,
    ruleSet: options.ruleSet,
    ...(options.onAlert && { onAlert: options.onAlert }),
    signal: stop.signal,
    flushMs: 500,
  });
  // If the consumers fail, stop feeding at once.
  pipeline.catch(() => stop.abort());

  let simulated = 0;
  async function* lines() {
    for await (const batch of simulatedFeed(options.simulation, {
      count: options.count,
      ratePerSecond: options.ratePerSecond,
      signal: stop.signal,
    })) {
      simulated += batch.length;
      yield batch.map((r) => `${JSON.stringify(r)}\n`).join("");
    }
  }
  const reports = await options.stream.createProducer({ topic: Topics.reports });
  const deadLetters = await options.stream.createProducer({ topic: Topics.reportsDeadLetter });
  const ingested = await ingest([{ name: "demo", stream: Readable.from(lines()) }], {
    reports,
    deadLetters,
    format: "ndjson",
  });
  await reports.close();
  await deadLetters.close();

  // Let the consumers catch up with everything published, then stop them.
  while (!stop.signal.aborted) {
    const stats = await options.stream.stats(Topics.reports);
    if (stats.subscriptions.length >= 2 && stats.subscriptions.every((s) => s.backlog === 0)) break;
    await sleep(100);
  }
  stop.abort();
  const ran = await pipeline;
  return {
    simulated,
    ingested: ingested.accepted,
    deadLettered: ingested.deadLettered,
    stored: ran.archive.stored,
    alertsOpened: ran.alerts.opened,
    alertEvents: ran.alerts.events,
    elapsedMs: Date.now() - started,
    topAgitated: await options.store.topAgitated({ threshold: 2, limit: 3 }),
    status: await collectStatus(options.stream, options.store),
  };
}
