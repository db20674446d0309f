import { Flags } from "@oclif/core";
import { type Stream, Topics } from "../backends/stream/types.js";
import { UsageError } from "../domain/errors.js";
import { execTarget, type WebhookFormat, webhookTarget } from "../pipeline/notification-targets.js";
import { type NotificationTarget, Notifier } from "../pipeline/notifier.js";

export const notifyFlags = {
  "notify-webhook": Flags.string({
    description: "POST each alert as JSON to this URL (repeatable; its secret is never printed)",
    env: "PW_NOTIFY_WEBHOOK",
    multiple: true,
    helpGroup: "NOTIFY",
  }),
  "notify-format": Flags.string({
    description: "webhook body: generic (the alert), slack or discord",
    options: ["generic", "slack", "discord"],
    default: "generic",
    env: "PW_NOTIFY_FORMAT",
    helpGroup: "NOTIFY",
  }),
  "notify-exec": Flags.string({
    description: "run this shell command per alert, with the alert JSON on stdin (repeatable)",
    env: "PW_NOTIFY_EXEC",
    multiple: true,
    helpGroup: "NOTIFY",
  }),
};

/**
 * The notifier the flags ask for, or undefined. Deliveries that fail for good
 * are published to the `notifications-dlq` topic (counted by `pw status`) and
 * reported on stderr.
 */
export async function notifierFromFlags(
  flags: {
    "notify-webhook"?: string[] | undefined;
    "notify-format": string;
    "notify-exec"?: string[] | undefined;
  },
  stream: Stream,
  warn: (message: string) => void,
): Promise<{ notifier: Notifier; close: () => Promise<void> } | undefined> {
  const targets: NotificationTarget[] = [];
  for (const url of flags["notify-webhook"] ?? []) {
    if (!/^https?:\/\//.test(url))
      throw new UsageError("--notify-webhook must be an http(s):// URL");
    targets.push(webhookTarget(url, flags["notify-format"] as WebhookFormat));
  }
  for (const command of flags["notify-exec"] ?? []) targets.push(execTarget(command));
  if (targets.length === 0) return undefined;
  const failures = await stream.createProducer({ topic: Topics.notificationsDeadLetter });
  const notifier = new Notifier({
    targets,
    onFailure: async (failure) => {
      warn(
        `pw: notification not delivered (${failure.target}, alert ${failure.alertId}): ${failure.error}`,
      );
      await failures.send({ key: failure.alertId, value: JSON.stringify(failure) });
    },
  });
  return {
    notifier,
    close: async () => {
      await notifier.close();
      await failures.close();
    },
  };
}
