/**
 * What the live alert console can do to alerts beyond watching them. The store
 * implements the alert lifecycle; the console only calls these and shows the
 * outcome. A console given no actions runs read-only.
 */
export interface AlertActions {
  /** Marks the alert as seen and being handled, with the operator's reason. */
  ack(alertId: string, reason: string): Promise<void>;
  /** Closes the alert, with the operator's reason. */
  resolve(alertId: string, reason: string): Promise<void>;
  /**
   * Silences new alerts about `citizen` until `untilMs` (epoch ms) beyond this
   * console. Optional: without it a mute hides the citizen in this console only.
   */
  mute?(citizen: string, untilMs: number): Promise<void>;
}
