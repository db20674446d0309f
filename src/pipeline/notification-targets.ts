import { spawn } from "node:child_process";
import type { AlertEvent } from "../domain/alert.js";
import { DeliveryError, type NotificationTarget } from "./notifier.js";

export type WebhookFormat = "generic" | "discord" | "slack";

/** Webhook URLs carry their secret in the path or query (Slack, Discord): show only where they go. */
export function redactWebhookUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return "(invalid URL)";
  }
}

function summary(e: AlertEvent): string {
  const a = e.alert;
  const where = `${a.lastLocation.lat.toFixed(5)},${a.lastLocation.lon.toFixed(5)}`;
  const repeat = e.event === "updated" ? ` (seen ${a.occurrences}×)` : "";
  return `[${a.severity.toUpperCase()}] ${a.citizen} score ${a.lastScore} near drone ${a.lastDroneId} at ${where}, ${a.lastReportTs}${repeat}`;
}

/** The JSON body a webhook of each format expects. */
export function webhookBody(event: AlertEvent, format: WebhookFormat): unknown {
  if (format === "slack") return { text: summary(event) };
  if (format === "discord") return { content: summary(event) };
  return { event: event.event, causedBy: event.reportId, ...event.alert };
}

/** POSTs each alert as JSON. 5xx, 429 and network errors are retried; other 4xx are not. */
export function webhookTarget(
  url: string,
  format: WebhookFormat,
  timeoutMs = 5000,
): NotificationTarget {
  const name = `webhook ${redactWebhookUrl(url)}`;
  return {
    name,
    async deliver(event) {
      let response: Response;
      try {
        response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(webhookBody(event, format)),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw new DeliveryError(`${name}: ${(error as Error).message}`, true);
      }
      await response.body?.cancel();
      if (!response.ok) {
        const retriable = response.status >= 500 || response.status === 429;
        throw new DeliveryError(`${name}: HTTP ${response.status}`, retriable);
      }
    },
  };
}

/** Runs a shell command per alert with the alert JSON on stdin; a non-zero exit is a failure. */
export function execTarget(command: string, timeoutMs = 10_000): NotificationTarget {
  const name = `exec ${command.split(/\s+/)[0] ?? ""}`;
  return {
    name,
    deliver: (event) =>
      new Promise((resolve, reject) => {
        const child = spawn("sh", ["-c", command], { stdio: ["pipe", "ignore", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (c: Buffer) => {
          stderr = (stderr + c.toString()).slice(-500);
        });
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.on("error", (error) => {
          clearTimeout(timer);
          reject(new DeliveryError(`${name}: ${error.message}`, true));
        });
        child.on("close", (code, signal) => {
          clearTimeout(timer);
          if (code === 0) resolve();
          else {
            const how = signal ? `killed by ${signal}` : `exit ${code}`;
            reject(new DeliveryError(`${name}: ${how}${stderr ? `: ${stderr.trim()}` : ""}`, true));
          }
        });
        child.stdin.on("error", () => undefined); // the command may not read its input
        child.stdin.end(`${JSON.stringify(webhookBody(event, "generic"))}\n`);
      }),
  };
}
