import { describe, expect, it } from "vitest";
import { RequestSlots } from "./request-slots.js";

describe("RequestSlots", () => {
  it("runs at most `size` tasks at once, the rest in arrival order, also after failures", async () => {
    const slots = new RequestSlots(2);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const task = (i: number) =>
      slots.run(async () => {
        started.push(i);
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        if (i === 1) throw new Error("boom");
        return i;
      });
    const results = await Promise.allSettled([0, 1, 2, 3, 4].map(task));
    expect(peak).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(results.map((r) => r.status)).toEqual([
      "fulfilled",
      "rejected",
      "fulfilled",
      "fulfilled",
      "fulfilled",
    ]);
    expect(await slots.run(async () => "free again")).toBe("free again");
  });
});
