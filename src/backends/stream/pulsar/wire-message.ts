import type { Message, OutgoingMessage } from "../types.js";

/**
 * The JSON frames of Pulsar's WebSocket API (3.0) and their mapping to pw's
 * messages. Payloads travel base64-encoded; times are ISO-8601 strings.
 */

/** What the broker answers for each message a producer sent. */
export interface ProducerReceipt {
  result: string;
  messageId?: string;
  context?: string;
  errorMsg?: string;
}

/** A message pushed to a consumer or reader. */
export interface DeliveredFrame {
  messageId: string;
  payload: string;
  properties?: Record<string, string> | null;
  publishTime: string;
  redeliveryCount?: number;
  eventTime?: string;
  key?: string;
}

const NO_PROPERTIES: Readonly<Record<string, string>> = Object.freeze({});

/**
 * The producer frame for one message. `context` comes back in the receipt and
 * ties it to its send; the broker ignores any `sequenceId` field in 3.0.
 */
export function producerFrame(message: OutgoingMessage, context: string): string {
  return JSON.stringify({
    payload: Buffer.from(message.value, "utf8").toString("base64"),
    context,
    ...(message.key !== undefined && { key: message.key }),
    ...(message.properties && { properties: message.properties }),
    ...(message.eventTime !== undefined && {
      eventTime: new Date(message.eventTime).toISOString(),
    }),
  });
}

/** Parses a frame from the server; throws on something that is not a JSON object. */
export function parseFrame(data: unknown): Record<string, unknown> {
  const value = JSON.parse(String(data)) as unknown;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error("frame is not a JSON object");
  }
  return value as Record<string, unknown>;
}

/** True when a server frame is a delivered message (not, say, an end-of-topic answer). */
export function isDeliveredFrame(
  frame: Record<string, unknown>,
): frame is DeliveredFrame & Record<string, unknown> {
  return typeof frame.messageId === "string" && typeof frame.payload === "string";
}

/**
 * The delivered message in a consumer's or reader's frame, or undefined for
 * anything else on that socket (pings, acks' echoes, or a frame that is not
 * JSON, which the broker never sends and which there is nothing to do with).
 */
export function deliveredFrame(
  data: unknown,
): (DeliveredFrame & Record<string, unknown>) | undefined {
  let frame: Record<string, unknown>;
  try {
    frame = parseFrame(data);
  } catch {
    return undefined;
  }
  return isDeliveredFrame(frame) ? frame : undefined;
}

/** A delivered frame as a pw message of `topic`. */
export function toMessage(topic: string, frame: DeliveredFrame): Message {
  const eventTime = frame.eventTime ? Date.parse(frame.eventTime) : Number.NaN;
  return {
    id: frame.messageId,
    topic,
    key: frame.key ?? undefined,
    value: Buffer.from(frame.payload, "base64").toString("utf8"),
    properties:
      frame.properties && Object.keys(frame.properties).length > 0
        ? frame.properties
        : NO_PROPERTIES,
    publishTime: Date.parse(frame.publishTime),
    eventTime: Number.isNaN(eventTime) ? undefined : eventTime,
    redeliveryCount: frame.redeliveryCount ?? 0,
  };
}

/** The frame that acknowledges a message to a consumer, or releases one to a reader. */
export function ackFrame(messageId: string): string {
  return JSON.stringify({ messageId });
}

export function nackFrame(messageId: string): string {
  return JSON.stringify({ type: "negativeAcknowledge", messageId });
}

/** Lets the server push `count` more messages to a consumer in pull mode. */
export function permitFrame(count: number): string {
  return JSON.stringify({ type: "permit", permitMessages: count });
}
