import type { Message, OutgoingMessage } from "../backends/stream/types.js";
import type { Report } from "../domain/report.js";

/**
 * Property ingest stamps on every report message: the lowest citizen score in
 * it ("" when nobody was seen). The alert consumer reads it to pass over calm
 * reports (>99% of them) without parsing their JSON. A message without it is
 * simply parsed.
 */
export const MIN_SCORE_PROPERTY = "pw-min-score";

/** The stream message for a valid report, keyed by droneId. */
export function reportMessage(report: Report, raw: string, eventTime: number): OutgoingMessage {
  let min = Number.POSITIVE_INFINITY;
  for (const c of report.citizens) if (c.score < min) min = c.score;
  return {
    key: report.droneId,
    value: raw,
    eventTime,
    properties: { [MIN_SCORE_PROPERTY]: Number.isFinite(min) ? String(min) : "" },
  };
}

/** False only when the message says for sure that no citizen scored below `threshold`. */
export function mayHaveScoreBelow(message: Message, threshold: number): boolean {
  const stamped = message.properties[MIN_SCORE_PROPERTY];
  if (stamped === undefined) return true;
  return stamped !== "" && Number(stamped) < threshold;
}
