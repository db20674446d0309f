import type { AlertWithAudit, StateChange, Store } from "../backends/store/types.js";
import { type Stream, Topics } from "../backends/stream/types.js";
import type { AlertEvent } from "../domain/alert.js";
import type { AlertAction } from "../domain/alert-lifecycle.js";

/**
 * Acks or resolves an alert in the store, then publishes the alert as it now
 * stands on the alerts topic, so every live console and script watching it
 * sees the change (the store alone would leave them showing "open").
 */
export async function changeAlertState(
  store: Store,
  stream: Stream,
  alertId: string,
  action: AlertAction,
  change: StateChange,
): Promise<AlertWithAudit> {
  const changed = await store.changeAlertState(alertId, action, change);
  const { audit: _audit, ...alert } = changed;
  const event: AlertEvent = { event: "updated", reportId: alert.lastReportId, alert };
  const producer = await stream.createProducer({ topic: Topics.alerts });
  try {
    await producer.send({ key: alert.citizen, value: JSON.stringify(event), eventTime: change.at });
  } finally {
    await producer.close();
  }
  return changed;
}
