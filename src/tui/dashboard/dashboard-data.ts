import type {
  CrowdTrendRow,
  ScoreTrendRow,
  Store,
  TopAgitatedRow,
} from "../../backends/store/types.js";
import type { Alert } from "../../domain/alert.js";
import { newestFirst } from "../alert-list.js";

/** Everything the dashboard draws from the store, read in one refresh. */
export interface DashboardData {
  /** The most recently detected alerts, most recently seen first (as the live console lists them). */
  recentAlerts: Alert[];
  scoreTrend: ScoreTrendRow[];
  crowdTrend: CrowdTrendRow[];
  topAgitated: TopAgitatedRow[];
}

export interface DashboardQuery {
  now: number;
  /** How far back the trend charts go. */
  windowMs: number;
  /** Width of one point of the trend charts. */
  intervalMs: number;
  /** Alerts read for the map (the table shows the newest of them). */
  alertLimit: number;
  /** The score below which a sighting counts as agitated. */
  agitatedBelow: number;
  topCitizens: number;
}

export const DEFAULT_DASHBOARD_QUERY: Omit<DashboardQuery, "now"> = {
  windowMs: 6 * 3_600_000,
  intervalMs: 10 * 60_000,
  alertLimit: 200,
  agitatedBelow: 2,
  topCitizens: 8,
};

/** Reads one refresh of the dashboard; the queries run side by side. */
export async function loadDashboardData(
  store: Store,
  query: DashboardQuery,
): Promise<DashboardData> {
  const since = query.now - query.windowMs;
  const [recentAlerts, scoreTrend, crowdTrend, topAgitated] = await Promise.all([
    store.listAlerts({ limit: query.alertLimit }),
    store.scoreTrend({ since, intervalMs: query.intervalMs }),
    store.crowdTrend({ since, intervalMs: query.intervalMs }),
    store.topAgitated({ threshold: query.agitatedBelow, limit: query.topCitizens }),
  ]);
  return { recentAlerts: newestFirst(recentAlerts), scoreTrend, crowdTrend, topAgitated };
}
