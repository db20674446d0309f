import type { GeoPoint, Telemetry } from "../report.js";
import { clamp, round } from "./numbers.js";
import type { Random } from "./random.js";

/** A rectangle of latitudes and longitudes the drones patrol. */
export interface BoundingBox {
  minLat: number;
  maxLat: number;
  minLon: number;
  maxLon: number;
}

/** Central Paris, a city-sized patrol area. */
export const DEFAULT_BBOX: BoundingBox = {
  minLat: 48.8,
  maxLat: 48.92,
  minLon: 2.25,
  maxLon: 2.42,
};

/** A drone tops out around 15 m/s: one minute between reports is at most 900 m. */
const MAX_SPEED_MPS = 15;
const MIN_SPEED_MPS = 2;
const MAX_STEP_M = MAX_SPEED_MPS * 60;
const METRES_PER_DEGREE_LAT = 111_320;
const ALTITUDE_M = { min: 60, max: 150 };
/** Below this a drone goes back to base; the simulation skips the trip and shows it full again. */
const RECHARGE_BELOW_PERCENT = 15;
const FIRMWARES = ["pw-fw 3.2.1", "pw-fw 3.2.0", "pw-fw 3.1.4"];

/** One drone's state, carried from one of its reports to the next. */
export interface Drone {
  readonly droneId: string;
  readonly firmware: string;
  lat: number;
  lon: number;
  headingDeg: number;
  speedMps: number;
  altitudeM: number;
  battery: number;
  /** Percent of battery used per minute of flight; drones age differently. */
  readonly drainPerMinute: number;
}

/** Drone number `index`, somewhere inside the box, with a part-used battery. */
export function createDrone(index: number, bbox: BoundingBox, random: Random): Drone {
  return {
    droneId: `pw-${String(index).padStart(4, "0")}`,
    firmware: random.pick(FIRMWARES),
    lat: random.between(bbox.minLat, bbox.maxLat),
    lon: random.between(bbox.minLon, bbox.maxLon),
    headingDeg: random.between(0, 360),
    speedMps: random.between(MIN_SPEED_MPS, MAX_SPEED_MPS),
    altitudeM: random.between(ALTITUDE_M.min, ALTITUDE_M.max),
    battery: random.between(40, 100),
    drainPerMinute: random.between(0.15, 0.35),
  };
}

/** Flies a drone for `seconds`: a smooth turn, a small speed change, a bounce off the edges. */
export function advanceDrone(drone: Drone, seconds: number, bbox: BoundingBox, random: Random) {
  drone.headingDeg += random.normal() * 12;
  drone.speedMps = clamp(drone.speedMps + random.normal(), MIN_SPEED_MPS, MAX_SPEED_MPS);
  drone.altitudeM = clamp(drone.altitudeM + random.normal() * 3, ALTITUDE_M.min, ALTITUDE_M.max);

  const metres = Math.min(drone.speedMps * seconds, MAX_STEP_M);
  const radians = (drone.headingDeg * Math.PI) / 180;
  const metresPerDegreeLon = METRES_PER_DEGREE_LAT * Math.cos((drone.lat * Math.PI) / 180);
  let lat = drone.lat + (metres * Math.cos(radians)) / METRES_PER_DEGREE_LAT;
  let lon = drone.lon + (metres * Math.sin(radians)) / metresPerDegreeLon;
  // Reflect off an edge like a ball, turning the heading with it, so the drone flies back in.
  if (lat < bbox.minLat || lat > bbox.maxLat) {
    lat = lat < bbox.minLat ? 2 * bbox.minLat - lat : 2 * bbox.maxLat - lat;
    drone.headingDeg = 180 - drone.headingDeg;
  }
  if (lon < bbox.minLon || lon > bbox.maxLon) {
    lon = lon < bbox.minLon ? 2 * bbox.minLon - lon : 2 * bbox.maxLon - lon;
    drone.headingDeg = -drone.headingDeg;
  }
  // A box narrower than one step can still be overshot after reflecting.
  drone.lat = clamp(lat, bbox.minLat, bbox.maxLat);
  drone.lon = clamp(lon, bbox.minLon, bbox.maxLon);
  drone.headingDeg = ((drone.headingDeg % 360) + 360) % 360;

  drone.battery -= (drone.drainPerMinute * seconds) / 60;
  if (drone.battery < RECHARGE_BELOW_PERCENT) drone.battery = 100;
}

/** Where the drone is, to about 10 cm; clamped again so rounding cannot leave the box. */
export function droneLocation(drone: Drone, bbox: BoundingBox): GeoPoint {
  return {
    lat: clamp(round(drone.lat, 6), bbox.minLat, bbox.maxLat),
    lon: clamp(round(drone.lon, 6), bbox.minLon, bbox.maxLon),
  };
}

/** The readings a drone attaches to its report, rounded as real sensors report them. */
export function droneTelemetry(drone: Drone): Telemetry {
  const heading = round(drone.headingDeg, 1);
  return {
    battery: round(drone.battery, 1),
    altitudeM: round(drone.altitudeM, 1),
    // 359.96 rounds to 360.0, which is north again.
    headingDeg: heading >= 360 ? 0 : heading,
    speedMps: round(drone.speedMps, 1),
    firmware: drone.firmware,
  };
}
