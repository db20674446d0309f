import { describe, expect, it } from "vitest";
import { geohash, geohashCell } from "./geohash.js";

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

describe("geohashCell", () => {
  it("returns the centre of the cell a point falls in", () => {
    const cell = geohashCell(geohash(48.8566, 2.3522, 6));
    expect(Math.abs(cell.lat - 48.8566)).toBeLessThan(cell.latSpan / 2);
    expect(Math.abs(cell.lon - 2.3522)).toBeLessThan(cell.lonSpan / 2);
    expect(cell.latSpan).toBeCloseTo(180 / 2 ** 15, 10);
  });
  it("refuses what is not a geohash", () => {
    expect(() => geohashCell("u0a")).toThrow(/not a geohash/);
  });
});
