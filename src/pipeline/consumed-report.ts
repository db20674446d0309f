import type { Message, Producer } from "../backends/stream/types.js";
import { parseReportLine, type Report } from "../domain/report.js";
import { deadLetter } from "./dead-letter.js";

export interface ConsumedReport {
  message: Message;
  report: Report;
}

/**
 * Parses the reports of a batch of messages. Ingest validated them already, but
 * anyone may publish to the topic: a message that is not a valid report is sent
 * to the dead-letter topic with the reason rather than blocking the consumer.
 */
export async function parseConsumedReports(
  messages: readonly Message[],
  deadLetters: Producer,
  now: number,
): Promise<ConsumedReport[]> {
  const good: ConsumedReport[] = [];
  const bad = [];
  for (const message of messages) {
    const check = parseReportLine(message.value);
    if (check.ok) good.push({ message, report: check.report });
    else {
      bad.push({
        key: `topic:${message.topic}`,
        value: JSON.stringify(
          deadLetter(
            `topic:${message.topic}#${message.id}`,
            undefined,
            check.problems,
            message.value,
            now,
          ),
        ),
      });
    }
  }
  if (bad.length > 0) await deadLetters.sendBatch(bad);
  return good;
}
