import type { SubscriptionType, TopicStats } from "../types.js";
import type { AdminInternalStats, AdminTopicStats } from "./admin-client.js";

/**
 * Maps the admin API's topic stats to pw's. A topic that does not exist yet
 * (both undefined) has published nothing and no subscriptions.
 *
 * `published` counts ledger entries, which are messages here because the
 * WebSocket producer never batches. It is the larger of two lower bounds:
 * `entriesAddedCounter`, counted since the broker loaded the topic (it restarts
 * from zero when the broker restarts or the topic moves), and `numberOfEntries`,
 * the entries in the ledgers still retained (durable, but it shrinks once
 * retention deletes consumed ledgers). `msgInCounter` is not used: it also
 * counts resends the broker dropped as duplicates, and it resets with the broker.
 *
 * Non-durable subscriptions (those of readers) are left out. A subscription
 * created through the admin API reports type "None" until a consumer attaches:
 * `knownTypes` (what this client subscribed with) fills it in, else "Shared".
 */
export function toTopicStats(
  topic: string,
  stats: AdminTopicStats | undefined,
  internal: AdminInternalStats | undefined,
  knownTypes: ReadonlyMap<string, SubscriptionType> = new Map(),
): TopicStats {
  const published = Math.max(0, internal?.entriesAddedCounter ?? 0, internal?.numberOfEntries ?? 0);
  const subscriptions = Object.entries(stats?.subscriptions ?? {})
    .filter(([, s]) => s.isDurable !== false)
    .map(([name, s]) => ({
      name,
      type: subscriptionType(s.type) ?? knownTypes.get(name) ?? "Shared",
      backlog: s.msgBacklog,
      consumers: s.consumers?.length ?? 0,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return { topic, published, subscriptions };
}

function subscriptionType(type: string | undefined): SubscriptionType | undefined {
  if (type === "Shared" || type === "Key_Shared" || type === "Failover") return type;
  // Exclusive has one consumer at a time, like an active Failover consumer.
  if (type === "Exclusive") return "Failover";
  return undefined;
}
