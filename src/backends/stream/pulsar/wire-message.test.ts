import { describe, expect, it } from "vitest";
import {
  ackFrame,
  deliveredFrame,
  isDeliveredFrame,
  nackFrame,
  parseFrame,
  permitFrame,
  producerFrame,
  toMessage,
} from "./wire-message.js";

describe("producer frames", () => {
  it("carry the payload in base64, with key, properties, event time and context", () => {
    const frame = JSON.parse(
      producerFrame(
        { key: "drone-1", value: "héllo", properties: { a: "1" }, eventTime: 1_700_000_000_004 },
        "42",
      ),
    );
    expect(frame).toEqual({
      payload: Buffer.from("héllo").toString("base64"),
      context: "42",
      key: "drone-1",
      properties: { a: "1" },
      eventTime: "2023-11-14T22:13:20.004Z",
    });
  });

  it("leave out what the message does not have", () => {
    expect(JSON.parse(producerFrame({ value: "x" }, "1"))).toEqual({
      payload: "eA==",
      context: "1",
    });
  });
});

describe("delivered frames", () => {
  const frame = {
    messageId: "CAwQADAA",
    payload: Buffer.from('{"i":4}').toString("base64"),
    properties: { n: "4" },
    publishTime: "2026-11-26T00:53:18.072Z",
    redeliveryCount: 2,
    eventTime: "2023-11-14T23:13:20.004+01:00",
    key: "k1",
  };

  it("become pw messages", () => {
    expect(toMessage("reports", frame)).toEqual({
      id: "CAwQADAA",
      topic: "reports",
      key: "k1",
      value: '{"i":4}',
      properties: { n: "4" },
      publishTime: Date.parse("2026-11-26T00:53:18.072Z"),
      eventTime: 1_700_000_000_004,
      redeliveryCount: 2,
    });
  });

  it("default what the server left out", () => {
    const bare = toMessage("t", {
      messageId: "id",
      payload: "",
      publishTime: "2026-11-26T00:53:18Z",
      properties: {},
    });
    expect(bare).toMatchObject({
      key: undefined,
      eventTime: undefined,
      redeliveryCount: 0,
      properties: {},
    });
  });

  it("are told apart from other server frames", () => {
    expect(isDeliveredFrame(parseFrame(JSON.stringify(frame)))).toBe(true);
    expect(isDeliveredFrame(parseFrame('{"endOfTopic":false}'))).toBe(false);
    expect(deliveredFrame(JSON.stringify(frame))).toMatchObject({ messageId: frame.messageId });
    expect(deliveredFrame('{"endOfTopic":false}')).toBeUndefined();
    expect(deliveredFrame("not json")).toBeUndefined();
    expect(() => parseFrame("[1]")).toThrow();
  });
});

describe("command frames", () => {
  it("match the WebSocket API", () => {
    expect(JSON.parse(ackFrame("id"))).toEqual({ messageId: "id" });
    expect(JSON.parse(nackFrame("id"))).toEqual({ type: "negativeAcknowledge", messageId: "id" });
    expect(JSON.parse(permitFrame(5))).toEqual({ type: "permit", permitMessages: 5 });
  });
});
