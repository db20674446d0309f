import { type Stream, Topics } from "../backends/stream/types.js";

/** True when the subscription on `reports` has nothing left to deliver or ack. */
export async function isIdle(stream: Stream, subscription: string): Promise<boolean> {
  const stats = await stream.stats(Topics.reports);
  const sub = stats.subscriptions.find((s) => s.name === subscription);
  return (sub?.backlog ?? 0) === 0;
}
