import type { Message } from "../types.js";

/** A row of the `messages` table. */
export interface MessageRow {
  id: number;
  topic: string;
  key: string | null;
  value: string;
  properties: string | null;
  event_time: number | null;
  publish_time: number;
}

const NO_PROPERTIES: Readonly<Record<string, string>> = Object.freeze({});

export function toMessage(row: MessageRow, redeliveryCount: number): Message {
  return {
    id: String(row.id),
    topic: row.topic,
    key: row.key ?? undefined,
    value: row.value,
    properties: row.properties
      ? (JSON.parse(row.properties) as Record<string, string>)
      : NO_PROPERTIES,
    publishTime: row.publish_time,
    eventTime: row.event_time ?? undefined,
    redeliveryCount,
  };
}
