import type { Alert, AlertEvent } from "../domain/alert.js";

/** How many alerts the console keeps in memory; older ones fall off the end. */
export const MAX_ALERTS_IN_MEMORY = 5_000;

/**
 * Orders alerts loaded from the store most recently seen first (event time of
 * their last report, then detection time), the order live events keep.
 */
export function newestFirst(alerts: readonly Alert[]): Alert[] {
  return [...alerts].sort(
    (a, b) =>
      b.lastReportTs.localeCompare(a.lastReportTs) ||
      b.lastDetectedAt.localeCompare(a.lastDetectedAt),
  );
}

/**
 * Applies alert events to a list kept most recently active first: an event
 * replaces the alert with the same alertId and moves it to the top. Returns the
 * same array when nothing changes, so a UI can skip a render.
 *
 * An event older than the alert already held (fewer occurrences) is ignored:
 * it happens when history loaded from the store already includes it.
 */
export function applyAlertEvents(
  alerts: readonly Alert[],
  events: readonly AlertEvent[],
  max = MAX_ALERTS_IN_MEMORY,
): readonly Alert[] {
  if (events.length === 0) return alerts;
  const held = new Map(alerts.map((a) => [a.alertId, a]));
  // Insertion order of a Map is arrival order; re-inserting moves an alert to the end.
  const arrived = new Map<string, Alert>();
  for (const { alert } of events) {
    const current = arrived.get(alert.alertId) ?? held.get(alert.alertId);
    if (current && alert.occurrences < current.occurrences) continue;
    arrived.delete(alert.alertId);
    arrived.set(alert.alertId, alert);
  }
  if (arrived.size === 0) return alerts;
  const fresh = [...arrived.values()].reverse();
  if (fresh.length >= max) return fresh.slice(0, max);
  const rest = alerts.filter((a) => !arrived.has(a.alertId));
  return fresh.concat(rest.slice(0, max - fresh.length));
}
