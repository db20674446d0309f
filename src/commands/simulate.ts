import { randomInt } from "node:crypto";
import { once } from "node:events";
import { Flags } from "@oclif/core";
import { backendFlags, PwCommand } from "../cli/base-command.js";
import { shutdownSignal } from "../cli/shutdown.js";
import { parseDuration } from "../domain/duration.js";
import { UsageError } from "../domain/errors.js";
import { createSimulation, DEFAULT_AGITATED_RATIO } from "../domain/simulation/simulation.js";
import { simulatedFeed } from "../pipeline/simulate-feed.js";

const CADENCE_MS = 60_000;

export default class Simulate extends PwCommand {
  static override description = `Generate realistic drone reports as NDJSON on stdout
Persistent citizens whose scores drift (an agitated person stays agitated for a while), drones flying plausible paths, words whose tone follows the scores. Each drone reports once per minute of event time. The same --seed and --start give byte-identical output.`;

  static override examples = [
    "<%= config.bin %> simulate --count 100000 --seed 7 | <%= config.bin %> ingest -",
    "<%= config.bin %> simulate --drones 200 --speedup 60 | <%= config.bin %> ingest -",
    "<%= config.bin %> simulate --rate 2000 --duration 1h --agitated-ratio 0.02 > reports.ndjson",
  ];

  static override flags = {
    seed: Flags.integer({
      description: "random seed [default: a new one each run, printed on stderr]",
    }),
    drones: Flags.integer({ description: "number of drones", default: 50, min: 1 }),
    count: Flags.integer({
      description: "stop after this many reports",
      min: 0,
      exclusive: ["duration"],
    }),
    duration: Flags.string({
      description: "stop after this much event time (1h = 60 reports per drone)",
      exclusive: ["count"],
    }),
    rate: Flags.integer({
      description: "emit this many reports per second of wall time",
      min: 1,
      exclusive: ["speedup"],
    }),
    speedup: Flags.string({
      description:
        "real cadence (one report per drone per minute) sped up this many times; 1 = real time",
      exclusive: ["rate"],
    }),
    start: Flags.string({ description: "event time of the first report, ISO-8601 [default: now]" }),
    "agitated-ratio": Flags.string({
      description: "share of reports carrying an agitated citizen",
      default: String(DEFAULT_AGITATED_RATIO),
    }),
    verbose: backendFlags.verbose,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Simulate);
    this.verbose = flags.verbose;
    const seed = flags.seed ?? randomInt(1, 2 ** 31 - 1);
    const startMs =
      flags.start === undefined
        ? Math.floor(Date.now() / CADENCE_MS) * CADENCE_MS
        : Date.parse(flags.start);
    if (Number.isNaN(startMs))
      throw new UsageError(`--start "${flags.start}" is not an ISO-8601 time`);
    const agitatedRatio = Number(flags["agitated-ratio"]);
    if (!(agitatedRatio >= 0 && agitatedRatio <= 1))
      throw new UsageError("--agitated-ratio must be between 0 and 1");
    let ratePerSecond = flags.rate;
    if (flags.speedup !== undefined) {
      const speedup = Number(flags.speedup);
      if (!(speedup > 0)) throw new UsageError("--speedup must be a positive number");
      ratePerSecond = (flags.drones * speedup * 1000) / CADENCE_MS;
    }
    const count =
      flags.duration === undefined
        ? flags.count
        : Math.ceil(parseDuration(flags.duration, "--duration") / CADENCE_MS) * flags.drones;
    if (flags.seed === undefined) this.info(`simulate: seed ${seed}`);

    const simulation = createSimulation({
      seed,
      drones: flags.drones,
      startMs,
      droneIntervalMs: CADENCE_MS,
      agitatedRatio,
    });
    const out = process.stdout;
    for await (const batch of simulatedFeed(simulation, {
      ...(count !== undefined && { count }),
      ...(ratePerSecond !== undefined && { ratePerSecond }),
      signal: shutdownSignal(),
    })) {
      let chunk = "";
      for (const report of batch) chunk += `${JSON.stringify(report)}\n`;
      if (!out.write(chunk)) await once(out, "drain");
    }
  }
}
