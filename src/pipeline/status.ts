import type { Store, StoreCounts } from "../backends/store/types.js";
import { type Stream, type SubscriptionStats, Topics } from "../backends/stream/types.js";

/** What `pw status --json` prints: a contract for scripts. */
export interface StatusResult {
  stream: string;
  store: string;
  reports: {
    published: number;
    stored: number;
    deadLettered: number;
  };
  subscriptions: SubscriptionStats[];
  sightings: number;
  alerts: StoreCounts["alerts"];
  alertEventsPublished: number;
  /** Alert notifications (webhook, exec) that could not be delivered. */
  notificationsFailed: number;
}

export async function collectStatus(stream: Stream, store: Store): Promise<StatusResult> {
  const [reports, dead, alerts, failedNotifications, counts] = await Promise.all([
    stream.stats(Topics.reports),
    stream.stats(Topics.reportsDeadLetter),
    stream.stats(Topics.alerts),
    stream.stats(Topics.notificationsDeadLetter),
    store.counts(),
  ]);
  return {
    stream: stream.description,
    store: store.description,
    reports: { published: reports.published, stored: counts.reports, deadLettered: dead.published },
    subscriptions: reports.subscriptions,
    sightings: counts.sightings,
    alerts: counts.alerts,
    alertEventsPublished: alerts.published,
    notificationsFailed: failedNotifications.published,
  };
}
