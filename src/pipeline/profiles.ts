import type { DroneReportRow, SightingRow } from "../backends/store/types.js";

/** What `pw query citizen NAME --json` prints. */
export interface CitizenProfile {
  citizen: string;
  sightings: number;
  agitatedSightings: number;
  minScore: number | null;
  avgScore: number | null;
  drones: number;
  firstSeen: string | null;
  lastSeen: string | null;
  timeline: SightingRow[];
}

export function citizenProfile(
  citizen: string,
  timeline: SightingRow[],
  threshold: number,
): CitizenProfile {
  const scores = timeline.map((s) => s.score);
  return {
    citizen,
    sightings: timeline.length,
    agitatedSightings: scores.filter((s) => s < threshold).length,
    minScore: scores.length ? Math.min(...scores) : null,
    avgScore: scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null,
    drones: new Set(timeline.map((s) => s.droneId)).size,
    firstSeen: timeline[0]?.ts ?? null,
    lastSeen: timeline.at(-1)?.ts ?? null,
    timeline,
  };
}

/** What `pw query drone ID --json` prints. */
export interface DroneProfile {
  droneId: string;
  reports: number;
  firstSeen: string | null;
  lastSeen: string | null;
  /** Median seconds between consecutive reports (60 for a drone on cadence). */
  medianIntervalSeconds: number | null;
  /** Silences longer than the gap threshold. */
  gaps: { after: string; seconds: number }[];
  lastBattery: number | null;
  minBattery: number | null;
  path: DroneReportRow[];
}

export function droneProfile(
  droneId: string,
  path: DroneReportRow[],
  gapSeconds: number,
): DroneProfile {
  const intervals = path
    .map((r) => r.gapSeconds)
    .filter((g): g is number => g !== null)
    .sort((a, b) => a - b);
  const batteries = path.map((r) => r.battery).filter((b): b is number => b !== null);
  const gaps: DroneProfile["gaps"] = [];
  path.forEach((row, i) => {
    if (row.gapSeconds !== null && row.gapSeconds > gapSeconds) {
      gaps.push({ after: path[i - 1]!.ts, seconds: row.gapSeconds });
    }
  });
  return {
    droneId,
    reports: path.length,
    firstSeen: path[0]?.ts ?? null,
    lastSeen: path.at(-1)?.ts ?? null,
    medianIntervalSeconds: intervals.length ? intervals[Math.floor(intervals.length / 2)]! : null,
    gaps,
    lastBattery: path.at(-1)?.battery ?? null,
    minBattery: batteries.length ? Math.min(...batteries) : null,
    path,
  };
}
