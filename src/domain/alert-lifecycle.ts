import type { AlertState } from "./alert.js";
import { PwError } from "./errors.js";

export type AlertAction = "ack" | "resolve";

/** One change of an alert's state, kept with the alert. */
export interface AuditEntry {
  at: string;
  operator: string;
  action: AlertAction;
  reason: string;
  from: AlertState;
  to: AlertState;
}

export class AlertStateError extends PwError {
  constructor(message: string) {
    super(message, { code: "ALERT_STATE", exitCode: 2 });
  }
}

export class AlertNotFoundError extends PwError {
  constructor(alertId: string) {
    super(`no alert ${alertId} (see pw alerts list)`, { code: "ALERT_NOT_FOUND", exitCode: 1 });
  }
}

/**
 * The alert lifecycle: open -> acked -> resolved, or open -> resolved.
 * Acking says "someone is on it" (repeat notifications stop while the cooldown
 * lasts); resolving closes it, and a new sighting opens a new alert.
 */
export function nextState(current: AlertState, action: AlertAction, alertId: string): AlertState {
  if (current === "resolved") throw new AlertStateError(`alert ${alertId} is already resolved`);
  if (action === "ack") {
    if (current === "acked") throw new AlertStateError(`alert ${alertId} is already acked`);
    return "acked";
  }
  return "resolved";
}
