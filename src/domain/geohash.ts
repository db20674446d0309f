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

/** Centre and size (degrees) of a geohash cell. */
export function geohashCell(cell: string): {
  lat: number;
  lon: number;
  latSpan: number;
  lonSpan: number;
} {
  let latMin = -90;
  let latMax = 90;
  let lonMin = -180;
  let lonMax = 180;
  let evenBit = true;
  for (const char of cell) {
    const value = BASE32.indexOf(char);
    if (value < 0) throw new RangeError(`"${cell}" is not a geohash`);
    for (let bit = 4; bit >= 0; bit--) {
      const on = ((value >> bit) & 1) === 1;
      if (evenBit) {
        const mid = (lonMin + lonMax) / 2;
        if (on) lonMin = mid;
        else lonMax = mid;
      } else {
        const mid = (latMin + latMax) / 2;
        if (on) latMin = mid;
        else latMax = mid;
      }
      evenBit = !evenBit;
    }
  }
  return {
    lat: (latMin + latMax) / 2,
    lon: (lonMin + lonMax) / 2,
    latSpan: latMax - latMin,
    lonSpan: lonMax - lonMin,
  };
}
