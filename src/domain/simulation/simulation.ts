import type { Citizen, Report } from "../report.js";
import { createPopulation } from "./citizens.js";
import { CALM_WORDS, TENSE_WORDS } from "./corpus.js";
import {
  advanceDrone,
  type BoundingBox,
  createDrone,
  DEFAULT_BBOX,
  type Drone,
  droneLocation,
  droneTelemetry,
} from "./drones.js";
import { createRandom, hashString, type Random } from "./random.js";

export type { BoundingBox } from "./drones.js";
export { DEFAULT_BBOX } from "./drones.js";

/** Share of reports that carry at least one agitated citizen (score < 2) unless told otherwise. */
export const DEFAULT_AGITATED_RATIO = 0.005;

export interface SimulationOptions {
  /** Same seed and options give a byte-identical sequence of reports. */
  seed: number;
  /** Number of drones, at least 1. */
  drones: number;
  /** Event time of the first report (epoch ms). */
  startMs: number;
  /** Event-time spacing between consecutive reports of ONE drone; real cadence is 60_000. */
  droneIntervalMs: number;
  /** Target share of reports with at least one citizen whose score is below 2. */
  agitatedRatio: number;
  /** Patrol area; defaults to central Paris. */
  bbox?: BoundingBox;
  /** Size of the persistent population; defaults to max(1000, drones * 40). */
  citizens?: number;
}

/** An endless, deterministic source of valid reports in non-decreasing event time. */
export interface Simulation {
  next(): Report;
}

/** Mean number of citizens a drone recognises per report. */
const MEAN_CITIZENS_PER_REPORT = 3;
const MAX_CITIZENS_PER_REPORT = 8;

/**
 * Builds a simulation of `drones` peacewatchers reporting round-robin: report k comes from
 * drone k % drones, one round of all drones per `droneIntervalMs` of event time.
 * Pure: all randomness comes from `seed`, time only from `startMs`.
 */
export function createSimulation(options: SimulationOptions): Simulation {
  const { seed, drones: droneCount, startMs, droneIntervalMs, agitatedRatio } = options;
  const bbox = options.bbox ?? DEFAULT_BBOX;
  const citizenCount = options.citizens ?? Math.max(1000, droneCount * 40);
  checkOptions(options, bbox, citizenCount);

  // Separate streams, so tuning the agitated ratio does not reroute the drones.
  const flightRandom = createRandom(seed);
  const crowdRandom = createRandom(hashString(`crowd:${seed}`));
  const speechRandom = createRandom(hashString(`speech:${seed}`));

  const fleet: Drone[] = [];
  for (let i = 0; i < droneCount; i++) fleet.push(createDrone(i, bbox, flightRandom));
  const population = createPopulation(citizenCount, crowdRandom, startMs);
  // Part of every reportId: two runs with different options never share an idempotency key.
  const runTag = hashString(
    JSON.stringify([seed, droneCount, startMs, droneIntervalMs, agitatedRatio, bbox, citizenCount]),
  )
    .toString(16)
    .padStart(8, "0");

  let index = 0;
  return {
    next() {
      const droneIndex = index % droneCount;
      const lap = Math.floor(index / droneCount);
      index++;
      const drone = fleet[droneIndex]!;
      if (lap > 0) advanceDrone(drone, droneIntervalMs / 1000, bbox, flightRandom);
      // Spread the drones evenly over one interval: staggered, yet never out of order.
      const eventMs =
        startMs + lap * droneIntervalMs + Math.floor((droneIndex * droneIntervalMs) / droneCount);

      const count = Math.min(
        crowdRandom.poisson(MEAN_CITIZENS_PER_REPORT),
        MAX_CITIZENS_PER_REPORT,
      );
      const citizens = population.sight(count, crowdRandom.chance(agitatedRatio), eventMs);
      return {
        reportId: `${drone.droneId}-${runTag}-${lap}`,
        droneId: drone.droneId,
        ts: new Date(eventMs).toISOString(),
        location: droneLocation(drone, bbox),
        citizens,
        words: overheardWords(citizens, speechRandom),
        telemetry: droneTelemetry(drone),
      };
    },
  };
}

/** One to three sentences whose mood follows the most agitated citizen in sight. */
function overheardWords(citizens: readonly Citizen[], random: Random): string[] {
  let lowest = Number.POSITIVE_INFINITY;
  for (const citizen of citizens) lowest = Math.min(lowest, citizen.score);
  const tenseChance = tenseSentenceChance(lowest);
  const words: string[] = [];
  const sentences = 1 + random.int(3);
  for (let i = 0; i < sentences; i++) {
    words.push(...random.pick(random.chance(tenseChance) ? TENSE_WORDS : CALM_WORDS));
  }
  return words;
}

/** Mostly tense around an agitated citizen, rarely otherwise, a little more as scores drop. */
function tenseSentenceChance(lowestScore: number): number {
  if (lowestScore < 2) return 0.85;
  if (lowestScore < 4) return 0.15;
  return 0.03;
}

function checkOptions(options: SimulationOptions, bbox: BoundingBox, citizens: number): void {
  const problems: string[] = [];
  if (!Number.isFinite(options.seed)) problems.push("seed must be a finite number");
  if (!Number.isInteger(options.drones) || options.drones < 1) {
    problems.push("drones must be an integer of at least 1");
  }
  if (!Number.isFinite(options.startMs)) problems.push("startMs must be a finite epoch time");
  if (!Number.isFinite(options.droneIntervalMs) || options.droneIntervalMs < 0) {
    problems.push("droneIntervalMs must be a non-negative number");
  }
  if (!(options.agitatedRatio >= 0 && options.agitatedRatio <= 1)) {
    problems.push("agitatedRatio must be between 0 and 1");
  }
  if (!Number.isInteger(citizens) || citizens < 1) {
    problems.push("citizens must be an integer of at least 1");
  }
  const { minLat, maxLat, minLon, maxLon } = bbox;
  if (!(-90 <= minLat && minLat < maxLat && maxLat <= 90)) {
    problems.push("bbox latitudes must satisfy -90 <= minLat < maxLat <= 90");
  }
  if (!(-180 <= minLon && minLon < maxLon && maxLon <= 180)) {
    problems.push("bbox longitudes must satisfy -180 <= minLon < maxLon <= 180");
  }
  if (problems.length > 0)
    throw new RangeError(`invalid simulation options: ${problems.join("; ")}`);
}
