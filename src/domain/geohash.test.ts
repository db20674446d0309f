import { describe, expect, it } from "vitest";
import { geohash } from "./geohash.js";

describe("geohash", () => {
  it("matches published reference cells", () => {
    // Reference values from the original geohash.org examples.
    expect(geohash(57.64911, 10.40744, 11)).toBe("u4pruydqqvj");
    expect(geohash(42.6, -5.6, 5)).toBe("ezs42");
  });
  it("is a prefix hierarchy: a coarser cell is a prefix of a finer one", () => {
    expect(geohash(48.8566, 2.3522, 7).startsWith(geohash(48.8566, 2.3522, 4))).toBe(true);
  });
  it("handles the edges of the world", () => {
    expect(geohash(90, 180, 3)).toBe("zzz");
    expect(geohash(-90, -180, 3)).toBe("000");
  });
});
