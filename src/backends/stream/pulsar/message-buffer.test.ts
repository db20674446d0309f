import { describe, expect, it } from "vitest";
import type { Message } from "../types.js";
import { MessageBuffer } from "./message-buffer.js";

const message = (id: string): Message => ({
  id,
  topic: "t",
  key: undefined,
  value: id,
  properties: {},
  publishTime: 0,
  eventTime: undefined,
  redeliveryCount: 0,
});

describe("MessageBuffer", () => {
  it("hands out what is buffered at once, up to the maximum", async () => {
    const buffer = new MessageBuffer();
    for (const id of ["a", "b", "c"]) buffer.push(message(id));
    const got = await buffer.take({ maxMessages: 2, timeoutMs: 1_000 }, () => false);
    expect(got.map((m) => m.id)).toEqual(["a", "b"]);
    expect(buffer.size).toBe(1);
  });

  it("wakes a waiting taker the moment a message arrives", async () => {
    const buffer = new MessageBuffer();
    const started = Date.now();
    const waiting = buffer.take({ maxMessages: 5, timeoutMs: 10_000 }, () => false);
    setTimeout(() => buffer.push(message("late")), 20);
    expect((await waiting).map((m) => m.id)).toEqual(["late"]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("returns [] on timeout, abort and close", async () => {
    const buffer = new MessageBuffer();
    expect(await buffer.take({ maxMessages: 1, timeoutMs: 10 }, () => false)).toEqual([]);
    const controller = new AbortController();
    const aborted = buffer.take(
      { maxMessages: 1, timeoutMs: 10_000, signal: controller.signal },
      () => false,
    );
    controller.abort();
    expect(await aborted).toEqual([]);
    let closed = false;
    const closing = buffer.take({ maxMessages: 1, timeoutMs: 10_000 }, () => closed);
    closed = true;
    buffer.wake();
    expect(await closing).toEqual([]);
  });

  it("drops what it holds on clear", async () => {
    const buffer = new MessageBuffer();
    buffer.push(message("a"));
    buffer.clear();
    expect(await buffer.take({ maxMessages: 1, timeoutMs: 0 }, () => false)).toEqual([]);
  });
});
