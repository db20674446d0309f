import { describe, expect, it } from "vitest";
import { AlertStateError, nextState } from "./alert-lifecycle.js";

describe("alert lifecycle", () => {
  it("goes open -> acked -> resolved, or straight to resolved", () => {
    expect(nextState("open", "ack", "a")).toBe("acked");
    expect(nextState("acked", "resolve", "a")).toBe("resolved");
    expect(nextState("open", "resolve", "a")).toBe("resolved");
  });
  it("refuses to ack twice or to touch a resolved alert, naming it", () => {
    expect(() => nextState("acked", "ack", "al_1")).toThrow(
      new AlertStateError("alert al_1 is already acked"),
    );
    expect(() => nextState("resolved", "ack", "al_2")).toThrow(/al_2 is already resolved/);
    expect(() => nextState("resolved", "resolve", "al_2")).toThrow(AlertStateError);
  });
});
