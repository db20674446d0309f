/**
 * The stream interface, shaped after Apache Pulsar's model so that the embedded
 * SQLite log and a Pulsar driver both fit it without distortion: topics, keyed
 * messages, named durable subscriptions of type Shared / Key_Shared / Failover,
 * individual acks, negative acks with a redelivery limit and a dead-letter topic,
 * and readers that start from earliest, latest, a time or a message id.
 */

/** Opaque, backend-specific position of a message in its topic. */
export type MessageId = string;

export interface OutgoingMessage {
  /** Routing/ordering key (pw uses the droneId). */
  key?: string;
  value: string;
  properties?: Record<string, string>;
  /** Event time in epoch ms, when the payload has one. */
  eventTime?: number;
}

export interface Message {
  readonly id: MessageId;
  readonly topic: string;
  readonly key: string | undefined;
  readonly value: string;
  readonly properties: Readonly<Record<string, string>>;
  readonly publishTime: number;
  readonly eventTime: number | undefined;
  /** How many times this message was delivered before to this subscription. */
  readonly redeliveryCount: number;
}

export type SubscriptionType = "Shared" | "Key_Shared" | "Failover";

export interface DeadLetterPolicy {
  /** A message nacked (or left unacked by dead consumers) more often than this goes to `topic`. */
  maxRedeliverCount: number;
  /** Defaults to `<topic>-<subscription>-DLQ`, as in Pulsar. */
  topic?: string;
}

export interface SubscribeOptions {
  topic: string;
  subscription: string;
  type: SubscriptionType;
  /** Where a subscription that does not exist yet starts. Default "Earliest". */
  initialPosition?: "Earliest" | "Latest";
  /** How long a nacked message waits before redelivery. Default 1000 ms. */
  nackRedeliveryDelayMs?: number;
  deadLetter?: DeadLetterPolicy;
  /** Shown in stats; helps tell processes apart. */
  consumerName?: string;
}

export type ReaderStart = "earliest" | "latest" | { time: number } | { messageId: MessageId };

export interface ReaderOptions {
  topic: string;
  start: ReaderStart;
}

export interface ProducerOptions {
  topic: string;
  /** A stable name lets a broker deduplicate resends after a reconnect. */
  producerName?: string;
}

export interface Producer {
  readonly topic: string;
  /** Resolves once the message is durable in the stream. */
  send(message: OutgoingMessage): Promise<MessageId>;
  /** Sends many messages; resolves once all are durable, ids in order. */
  sendBatch(messages: readonly OutgoingMessage[]): Promise<MessageId[]>;
  close(): Promise<void>;
}

export interface ReceiveOptions {
  maxMessages: number;
  /** Wait at most this long for the first message; resolves with [] on timeout. */
  timeoutMs: number;
  /** Resolves early with [] when aborted (used for shutdown). */
  signal?: AbortSignal;
}

export interface Consumer {
  readonly topic: string;
  readonly subscription: string;
  /** Resolves with 1..maxMessages messages as soon as any are available, or [] on timeout. */
  receive(options: ReceiveOptions): Promise<Message[]>;
  ack(messages: readonly Message[]): Promise<void>;
  /** Redeliver later (after the nack delay), or dead-letter once over the limit. */
  nack(messages: readonly Message[]): Promise<void>;
  close(): Promise<void>;
}

export interface Reader {
  readonly topic: string;
  /** Next messages after the reader's position, or [] on timeout. Does not ack anything. */
  read(options: ReceiveOptions): Promise<Message[]>;
  close(): Promise<void>;
}

export interface SubscriptionStats {
  name: string;
  type: SubscriptionType;
  /** Messages not yet acknowledged by this subscription. */
  backlog: number;
  consumers: number;
}

export interface TopicStats {
  topic: string;
  /** Messages ever published to the topic. */
  published: number;
  subscriptions: SubscriptionStats[];
}

export interface Stream {
  /** Human-readable location, safe to print (no secrets). */
  readonly description: string;
  createProducer(options: ProducerOptions): Promise<Producer>;
  subscribe(options: SubscribeOptions): Promise<Consumer>;
  createReader(options: ReaderOptions): Promise<Reader>;
  stats(topic: string): Promise<TopicStats>;
  close(): Promise<void>;
}

/** The topics pw uses. */
export const Topics = {
  reports: "reports",
  reportsDeadLetter: "reports-dlq",
  alerts: "alerts",
  /** Alert notifications that could not be delivered (webhook, exec). */
  notificationsDeadLetter: "notifications-dlq",
} as const;

export function defaultDeadLetterTopic(topic: string, subscription: string): string {
  return `${topic}-${subscription}-DLQ`;
}
