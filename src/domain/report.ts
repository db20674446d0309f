import { isUtf8 } from "node:buffer";
import { Ajv, type ErrorObject, type JSONSchemaType } from "ajv";
import addFormatsModule from "ajv-formats";
import type { FieldProblem } from "./errors.js";

/** A citizen recognised near a drone. `score` runs 0..10; low means agitated. */
export interface Citizen {
  name: string;
  score: number;
}

export interface GeoPoint {
  lat: number;
  lon: number;
}

/** Technical data a drone may attach to its report. */
export interface Telemetry {
  battery?: number;
  altitudeM?: number;
  headingDeg?: number;
  speedMps?: number;
  firmware?: string;
}

/** Report schema v1: what a peacewatcher sends once a minute. */
export interface Report {
  /** Idempotency key: the same reportId is stored and alerted once. */
  reportId: string;
  droneId: string;
  /** Event time, ISO-8601 with an offset or Z. */
  ts: string;
  location: GeoPoint;
  citizens: Citizen[];
  words: string[];
  telemetry?: Telemetry;
}

/** Reports larger than this (as UTF-8 JSON) are rejected before parsing. */
export const MAX_REPORT_BYTES = 1024 * 1024;

/**
 * JSON Schema of report v1, published by `pw schema`. The validator below is compiled
 * from this very object, so what drone makers check and what pw accepts cannot drift.
 */
export const reportJsonSchema: JSONSchemaType<Report> = {
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: "https://pw.invalid/schemas/report-v1.json",
  title: "pw report v1",
  description:
    "A peacewatcher's report. Unknown extra fields are accepted and kept. The whole report must be at most 1 MiB of UTF-8 JSON.",
  type: "object",
  required: ["reportId", "droneId", "ts", "location", "citizens", "words"],
  additionalProperties: true,
  properties: {
    reportId: {
      type: "string",
      minLength: 1,
      maxLength: 128,
      description: "Idempotency key",
    },
    droneId: { type: "string", minLength: 1, maxLength: 64 },
    ts: {
      type: "string",
      format: "date-time",
      description: "Event time, RFC 3339 / ISO-8601 with an offset or Z",
    },
    location: {
      type: "object",
      required: ["lat", "lon"],
      additionalProperties: true,
      properties: {
        lat: { type: "number", minimum: -90, maximum: 90 },
        lon: { type: "number", minimum: -180, maximum: 180 },
      },
    },
    citizens: {
      type: "array",
      items: {
        type: "object",
        required: ["name", "score"],
        additionalProperties: true,
        properties: {
          name: { type: "string", minLength: 1, maxLength: 200 },
          score: { type: "number", minimum: 0, maximum: 10, description: "0..10, low = agitated" },
        },
      },
    },
    words: { type: "array", items: { type: "string" } },
    telemetry: {
      type: "object",
      nullable: true,
      required: [],
      additionalProperties: true,
      properties: {
        battery: { type: "number", nullable: true, minimum: 0, maximum: 100, description: "%" },
        altitudeM: { type: "number", nullable: true },
        headingDeg: { type: "number", nullable: true, minimum: 0, maximum: 360 },
        speedMps: { type: "number", nullable: true, minimum: 0 },
        firmware: { type: "string", nullable: true, maxLength: 64 },
      },
    },
  },
};

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: false });
addFormats(ajv, ["date-time"]);
const validate = ajv.compile(reportJsonSchema);

export type ReportCheck = { ok: true; report: Report } | { ok: false; problems: FieldProblem[] };

/** Checks an already-parsed value against report schema v1. */
export function checkReport(value: unknown): ReportCheck {
  if (!validate(value)) return { ok: false, problems: (validate.errors ?? []).map(toProblem) };
  // ajv-formats accepts a leap second (23:59:60Z) that Date.parse cannot place: the
  // report would travel with NaN as its event time and break windows and partitions.
  if (Number.isNaN(reportTimeMs(value))) {
    return {
      ok: false,
      problems: [{ path: "ts", message: "must be a time pw can place (no leap second :60)" }],
    };
  }
  return { ok: true, report: value };
}

/** The problem of a report over MAX_REPORT_BYTES, however it arrived. */
export const TOO_LARGE_PROBLEM: FieldProblem = {
  path: "",
  message: `report is over the ${MAX_REPORT_BYTES} byte limit`,
};

export type ReportText = { ok: true; text: string } | { ok: false; problems: FieldProblem[] };

/**
 * Decodes the bytes of one report (a line of a file, a request body). Bytes that are
 * not UTF-8 are refused rather than patched with U+FFFD, which would silently alter
 * names and ids.
 */
export function decodeReportBytes(bytes: Buffer): ReportText {
  if (bytes.length > MAX_REPORT_BYTES) return { ok: false, problems: [TOO_LARGE_PROBLEM] };
  if (isUtf8(bytes)) return { ok: true, text: bytes.toString("utf8") };
  return {
    ok: false,
    problems: [{ path: "", message: `invalid UTF-8 at byte ${firstInvalidUtf8Byte(bytes)}` }],
  };
}

/** Parses the bytes of one report: decodeReportBytes, then parseReportLine. */
export function parseReportBytes(bytes: Buffer): ReportCheck {
  const decoded = decodeReportBytes(bytes);
  return decoded.ok ? parseReportLine(decoded.text) : decoded;
}

/** Offset of the first byte the lossy decoder had to replace (failure path only). */
function firstInvalidUtf8Byte(bytes: Buffer): number {
  const reencoded = Buffer.from(bytes.toString("utf8"), "utf8");
  let at = 0;
  while (at < bytes.length && bytes[at] === reencoded[at]) at++;
  return at;
}

/** Parses one line of NDJSON into a report, naming every field that is wrong. */
export function parseReportLine(line: string): ReportCheck {
  // Cheap upper bound first: a UTF-8 byte is never fewer than one UTF-16 unit.
  if (line.length > MAX_REPORT_BYTES / 3 && Buffer.byteLength(line, "utf8") > MAX_REPORT_BYTES) {
    return { ok: false, problems: [TOO_LARGE_PROBLEM] };
  }
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return {
      ok: false,
      problems: [{ path: "", message: `malformed JSON: ${(error as Error).message}` }],
    };
  }
  const structure = structureProblem(line, value);
  if (structure) return { ok: false, problems: [structure] };
  return checkReport(value);
}

/**
 * Deepest nesting of objects and arrays a report may have. JSON.parse copes with any
 * depth, but JSON.stringify (and OpenSearch's parser) recurse and fail on a report
 * nested ~10k deep in an extra field, long after ingest accepted it. Valid reports need 3.
 */
export const MAX_REPORT_DEPTH = 64;

/**
 * What the schema cannot see: nesting deeper than MAX_REPORT_DEPTH, and strings or keys
 * holding a lone UTF-16 surrogate (`"\ud800"`). Those are valid JSON but not Unicode:
 * written as UTF-8 (SQLite, Parquet, OpenSearch) each becomes U+FFFD, so two distinct
 * reportIds would collapse into one idempotency key. Cheap scans of the line skip the
 * walk for ordinary reports.
 */
function structureProblem(line: string, value: unknown): FieldProblem | undefined {
  const deepPossible = countOpenings(line, MAX_REPORT_DEPTH) > MAX_REPORT_DEPTH;
  const surrogatePossible = line.includes("\\u") || SURROGATE.test(line);
  if (!deepPossible && !surrogatePossible) return undefined;
  // Iterative, so hostile depth cannot exhaust the call stack here either.
  const stack: { value: unknown; depth: number; path: string }[] = [{ value, depth: 0, path: "" }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    if (typeof item.value === "string") {
      if (LONE_SURROGATE.test(item.value)) {
        return { path: item.path, message: "must be well-formed Unicode (lone surrogate)" };
      }
      continue;
    }
    if (typeof item.value !== "object" || item.value === null) continue;
    const depth = item.depth + 1;
    if (depth > MAX_REPORT_DEPTH) {
      return { path: item.path, message: `nests deeper than ${MAX_REPORT_DEPTH} levels` };
    }
    if (Array.isArray(item.value)) {
      item.value.forEach((v, i) => {
        stack.push({ value: v, depth, path: `${item.path}[${i}]` });
      });
      continue;
    }
    for (const [key, v] of Object.entries(item.value)) {
      const path = item.path ? `${item.path}.${key}` : key;
      if (LONE_SURROGATE.test(key)) {
        return { path, message: "key must be well-formed Unicode (lone surrogate)" };
      }
      stack.push({ value: v, depth, path });
    }
  }
  return undefined;
}

/** Any surrogate code unit, paired or not; with the `u` flag only unpaired ones match. */
const SURROGATE = /[\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** How many `{` and `[` the text holds (strings included), stopping once past `limit`. */
function countOpenings(text: string, limit: number): number {
  let count = 0;
  for (const bracket of ["{", "["]) {
    for (
      let at = text.indexOf(bracket);
      at >= 0 && count <= limit;
      at = text.indexOf(bracket, at + 1)
    ) {
      count++;
    }
  }
  return count;
}

/** Event time of a valid report in epoch milliseconds. */
export function reportTimeMs(report: Report): number {
  return Date.parse(report.ts);
}

function toProblem(error: ErrorObject): FieldProblem {
  let path = jsonPointerToPath(error.instancePath);
  if (error.keyword === "required") {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    path = path ? `${path}.${missing}` : missing;
    return { path, message: "is required" };
  }
  if (error.keyword === "type" && error.instancePath === "") {
    return { path: "", message: "a report must be a JSON object" };
  }
  if (error.keyword === "format") {
    return {
      path,
      message: "must be an ISO-8601 date-time with an offset or Z, e.g. 2026-11-26T10:00:00Z",
    };
  }
  return { path, message: error.message ?? error.keyword };
}

/** `/citizens/0/score` becomes `citizens[0].score`. */
function jsonPointerToPath(pointer: string): string {
  if (!pointer) return "";
  let out = "";
  for (const raw of pointer.slice(1).split("/")) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    out += /^\d+$/.test(part) ? `[${part}]` : out ? `.${part}` : part;
  }
  return out;
}
