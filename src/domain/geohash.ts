const BASE32 = "0123456789bcdefghjkmnpqrstuvwxyz";

/** Precision stored with every report: ~153 m x 153 m cells; any shorter prefix is a coarser cell. */
export const STORED_GEOHASH_PRECISION = 7;

/**
 * Standard geohash of a point. Cells are computed once at ingest and stored, so
 * every store groups by the same cells (a prefix of length N is the cell at precision N).
 */
export function geohash(lat: number, lon: number, precision = STORED_GEOHASH_PRECISION): string {
  let latMin = -90;
  let latMax = 90;
  let lonMin = -180;
  let lonMax = 180;
  let out = "";
  let bits = 0;
  let value = 0;
  let evenBit = true;
  while (out.length < precision) {
    if (evenBit) {
      const mid = (lonMin + lonMax) / 2;
      if (lon >= mid) {
        value = value * 2 + 1;
        lonMin = mid;
      } else {
        value *= 2;
        lonMax = mid;
      }
    } else {
      const mid = (latMin + latMax) / 2;
      if (lat >= mid) {
        value = value * 2 + 1;
        latMin = mid;
      } else {
        value *= 2;
        latMax = mid;
      }
    }
    evenBit = !evenBit;
    if (++bits === 5) {
      out += BASE32[value];
      bits = 0;
      value = 0;
    }
  }
  return out;
}
