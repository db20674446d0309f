import { describe, expect, it } from "vitest";
import type { Message, Reader } from "../backends/stream/types.js";
import { parseAlertEvent, readAlertEvents } from "./alert-events.js";

const event = { event: "opened", reportId: "r1", alert: { alertId: "al_1", citizen: "Ann" } };

describe("parseAlertEvent", () => {
  it("reads an alert event as the alert consumer publishes it", () => {
    expect(parseAlertEvent({ value: JSON.stringify(event) })).toEqual(event);
  });

  it("returns undefined for anything else", () => {
    for (const value of [
      "not json",
      "null",
      "[]",
      JSON.stringify({ ...event, event: "deleted" }),
      JSON.stringify({ ...event, reportId: 3 }),
      JSON.stringify({ ...event, alert: { citizen: "Ann" } }),
    ]) {
      expect(parseAlertEvent({ value })).toBeUndefined();
    }
  });
});

describe("readAlertEvents", () => {
  it("returns the events read and counts the messages that are not events", async () => {
    const messages = [JSON.stringify(event), "garbage"].map(
      (value, i) => ({ id: String(i), value }) as Message,
    );
    const reader: Reader = {
      topic: "alerts",
      read: async (options) => {
        expect(options).toMatchObject({ maxMessages: 500, timeoutMs: 500 });
        return messages;
      },
      close: async () => undefined,
    };
    expect(await readAlertEvents(reader)).toEqual({ events: [event], unreadable: 1 });
  });
});
