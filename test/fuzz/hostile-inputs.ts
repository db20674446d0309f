/**
 * fast-check arbitraries of hostile report input, shared by every fuzz test of a door
 * reports come in through (the report parser, file ingest, and later the HTTP gateway).
 *
 * Every bad input is invalid BY CONSTRUCTION: each generator breaks a rule the report
 * contract states, so a passing report is a bug, never a generator accident. Inputs that
 * look hostile but are valid (`-0`, a duplicate key whose last value is valid, a space
 * instead of `T` in `ts`) are valid neighbours, not bad inputs.
 */
import fc from "fast-check";
import { MAX_REPORT_BYTES, MAX_REPORT_DEPTH, type Report } from "../../src/domain/report.js";

/** One bad report as text, with why it is bad. */
export interface HostileLine {
  category: HostileCategory;
  text: string;
  /** The field a problem must name (`citizens[0].score`), when one field is at fault. */
  path?: string;
}

/** One bad report as bytes (for inputs that cannot be a JS string, like invalid UTF-8). */
export interface HostileBytes {
  category: HostileCategory;
  bytes: Buffer;
  path?: string;
}

export const HOSTILE_CATEGORIES = [
  "wrong-type",
  "missing-field",
  "out-of-range",
  "nan-like-number",
  "bad-timestamp",
  "huge",
  "deep-nesting",
  "invalid-utf8",
  "prototype-keys",
  "control-char",
  "bom",
  "lone-surrogate",
  "duplicate-key",
  "malformed-json",
  "not-an-object",
] as const;
export type HostileCategory = (typeof HOSTILE_CATEGORIES)[number];

// ---------------------------------------------------------------------------------------
// Valid reports (the neighbours, and the base every mutation starts from)

/** A string of `min..max` code points, any of them (controls, astral), never a lone surrogate. */
const text = (min: number, max: number) =>
  fc.string({ unit: "binary", minLength: min, maxLength: max });

const finite = (min: number, max: number) =>
  fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

/** Event times in years 1000..9999, formatted as RFC 3339 in the shapes drones send. */
const validTs = fc
  .tuple(
    fc.integer({ min: Date.UTC(1000, 0, 1), max: Date.UTC(9999, 11, 30) }),
    fc.constantFrom("Z", "+00:00", "+05:30", "-11:00", "z"),
    fc.boolean(),
  )
  .map(([ms, zone, withMillis]) => {
    const iso = new Date(ms).toISOString();
    const base = withMillis ? iso.slice(0, 23) : iso.slice(0, 19);
    // Not a real conversion, only a valid shape: the offset is part of the text.
    return `${base}${zone}`;
  });

const citizen = fc.record({ name: text(1, 200), score: finite(0, 10) });

const telemetry = fc.record(
  {
    battery: fc.oneof(finite(0, 100), fc.constant(null)),
    altitudeM: fc.oneof(finite(-1e6, 1e6), fc.constant(null)),
    headingDeg: finite(0, 360),
    speedMps: finite(0, 1e4),
    firmware: fc.oneof(text(0, 64), fc.constant(null)),
  },
  { requiredKeys: [] },
);

/** Extra fields are accepted and kept; their names never shadow a report field. */
const extraFields = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 8 }).map((k) => `x-${k}`),
  fc.jsonValue({ maxDepth: 2 }),
  { maxKeys: 2 },
);

/** A valid report with at least one citizen and one word, so every field path exists. */
export const validReport: fc.Arbitrary<Report> = fc
  .record({
    reportId: text(1, 128),
    droneId: text(1, 64),
    ts: validTs,
    location: fc.record({ lat: finite(-90, 90), lon: finite(-180, 180) }),
    citizens: fc.array(citizen, { minLength: 1, maxLength: 4 }),
    words: fc.array(text(0, 20), { minLength: 1, maxLength: 5 }),
    telemetry: fc.option(telemetry, { nil: undefined }),
    extra: extraFields,
  })
  .map(
    ({ extra, telemetry: t, ...report }) =>
      // The schema allows null telemetry values that the Report type does not spell out.
      ({ ...extra, ...report, ...(t === undefined ? {} : { telemetry: t }) }) as unknown as Report,
  );

/** Valid reports as NDJSON lines (JSON.stringify escapes every control character). */
export const validLine: fc.Arbitrary<string> = validReport.map((r) => JSON.stringify(r));

// ---------------------------------------------------------------------------------------
// Field catalogue: where each field lives and what it must be

type Kind = "string" | "number" | "object" | "array";
interface FieldSpec {
  path: string;
  keys: readonly (string | number)[];
  kind: Kind;
  required: boolean;
  /** `null` is a valid value (optional telemetry). */
  nullable: boolean;
}
const field = (
  path: string,
  keys: readonly (string | number)[],
  kind: Kind,
  required = true,
  nullable = false,
): FieldSpec => ({ path, keys, kind, required, nullable });

export const REPORT_FIELDS: readonly FieldSpec[] = [
  field("reportId", ["reportId"], "string"),
  field("droneId", ["droneId"], "string"),
  field("ts", ["ts"], "string"),
  field("location", ["location"], "object"),
  field("location.lat", ["location", "lat"], "number"),
  field("location.lon", ["location", "lon"], "number"),
  field("citizens", ["citizens"], "array"),
  field("citizens[0]", ["citizens", 0], "object"),
  field("citizens[0].name", ["citizens", 0, "name"], "string"),
  field("citizens[0].score", ["citizens", 0, "score"], "number"),
  field("words", ["words"], "array"),
  field("words[0]", ["words", 0], "string"),
  field("telemetry", ["telemetry"], "object", false, true),
  field("telemetry.battery", ["telemetry", "battery"], "number", false, true),
  field("telemetry.altitudeM", ["telemetry", "altitudeM"], "number", false, true),
  field("telemetry.headingDeg", ["telemetry", "headingDeg"], "number", false, true),
  field("telemetry.speedMps", ["telemetry", "speedMps"], "number", false, true),
  field("telemetry.firmware", ["telemetry", "firmware"], "string", false, true),
];
const REQUIRED_FIELDS = REPORT_FIELDS.filter((f) => f.required);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const asJson = (report: Report): Json => report as unknown as Json;

/** A deep copy of `report` with the value at `keys` replaced (or removed when `value` is REMOVE). */
function setAt(
  report: Report,
  keys: readonly (string | number)[],
  value: Json | typeof REMOVE,
): Json {
  const copy = structuredClone(report) as unknown as { [key: string]: Json };
  let node: Json = copy;
  for (const [i, key] of keys.entries()) {
    const container = node as Record<string | number, Json>;
    if (i === keys.length - 1) {
      if (value === REMOVE) delete container[key];
      else container[key] = value;
    } else {
      // Optional parents (telemetry) are created so the bad value is really there.
      container[key] ??= {};
      node = container[key];
    }
  }
  return copy;
}
const REMOVE = Symbol("remove");

/** `{key: value}` as an OWN property, even for `__proto__` (a literal would set the prototype). */
function own(key: string, value: Json, into: Record<string, Json> = {}): Record<string, Json> {
  Object.defineProperty(into, key, { value, enumerable: true, writable: true, configurable: true });
  return into;
}

const withoutNull = (kind: Kind): fc.Arbitrary<Json> => {
  const all: Record<Kind, fc.Arbitrary<Json>> = {
    string: fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom("5", "NaN", "", "null")),
    number: fc.oneof(fc.integer(), finite(-1e6, 1e6)),
    object: fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }), {
      maxKeys: 2,
    }) as fc.Arbitrary<Json>,
    array: fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }) as fc.Arbitrary<Json>,
  };
  return fc.oneof(
    fc.boolean(),
    ...(Object.keys(all) as Kind[]).filter((k) => k !== kind).map((k) => all[k]),
  );
};

/** Values whose JSON type is not `spec.kind` (and not null where null is allowed). */
const wrongValueFor = (spec: FieldSpec): fc.Arbitrary<Json> =>
  spec.nullable ? withoutNull(spec.kind) : fc.oneof(withoutNull(spec.kind), fc.constant(null));

const line = (category: HostileCategory, value: Json | string, path?: string): HostileLine => ({
  category,
  text: typeof value === "string" ? value : JSON.stringify(value),
  ...(path === undefined ? {} : { path }),
});

// ---------------------------------------------------------------------------------------
// Bad reports, one arbitrary per category

const wrongType = fc
  .tuple(validReport, fc.constantFrom(...REPORT_FIELDS))
  .chain(([report, spec]) =>
    wrongValueFor(spec).map((v) => line("wrong-type", setAt(report, spec.keys, v), spec.path)),
  );

const missingField = fc
  .tuple(validReport, fc.constantFrom(...REQUIRED_FIELDS))
  .map(([report, spec]) => line("missing-field", setAt(report, spec.keys, REMOVE), spec.path));

// Strict comparisons: fast-check may draw -0 "below" 0, and JSON writes -0 as 0.
const above = (limit: number) =>
  fc.double({ min: limit, minExcluded: true, max: 1e300, noNaN: true }).filter((v) => v > limit);
const below = (limit: number) =>
  fc.double({ min: -1e300, max: limit, maxExcluded: true, noNaN: true }).filter((v) => v < limit);
const outside = (min: number, max: number) => fc.oneof(below(min), above(max));

/** A string of more than `max` code points (astral ones count once, as the schema counts). */
const tooLong = (max: number) =>
  fc
    .tuple(fc.integer({ min: max + 1, max: max * 4 }), fc.constantFrom("x", "é", "😀", "\u0000"))
    .map(([n, unit]) => unit.repeat(n));

const outOfRange = fc.tuple(validReport, fc.nat()).chain(([report, pick]) => {
  const cases: [string, fc.Arbitrary<Json>][] = [
    ["location.lat", outside(-90, 90)],
    ["location.lon", outside(-180, 180)],
    ["citizens[0].score", outside(0, 10)],
    ["telemetry.battery", outside(0, 100)],
    ["telemetry.headingDeg", outside(0, 360)],
    ["telemetry.speedMps", below(0)],
    ["reportId", fc.oneof(fc.constant(""), tooLong(128))],
    ["droneId", fc.oneof(fc.constant(""), tooLong(64))],
    ["citizens[0].name", fc.oneof(fc.constant(""), tooLong(200))],
    ["telemetry.firmware", tooLong(64)],
  ];
  const [path, values] = cases[pick % cases.length]!;
  const spec = REPORT_FIELDS.find((f) => f.path === path)!;
  return values.map((v) => line("out-of-range", setAt(report, spec.keys, v), path));
});

/**
 * Numbers JSON has no room for, or that the schema bounds refuse: written into the
 * text as-is, since JSON.stringify cannot produce them. `1e999` parses to Infinity.
 */
const NAN_LIKE = ["NaN", "-NaN", "Infinity", "-Infinity", "1e999", "-1e999", "0x10", "01", "+1"];
const NAN_LIKE_STRINGS = ['"5"', '"NaN"', '"Infinity"', '"1e999"', '"-0"', '""'];
const nanLike = fc
  .tuple(
    validReport,
    fc.constantFrom(...REPORT_FIELDS.filter((f) => f.kind === "number")),
    fc.constantFrom(...NAN_LIKE, ...NAN_LIKE_STRINGS),
  )
  .map(([report, spec, token]) => {
    const marker = "__pw_fuzz_marker__";
    const textWithMarker = JSON.stringify(setAt(report, spec.keys, marker));
    // Tokens JSON has no syntax for make the whole line malformed: no field to name.
    const parses = token.startsWith('"') || token.endsWith("1e999");
    return line(
      "nan-like-number",
      textWithMarker.replace(`"${marker}"`, () => token),
      parses ? spec.path : undefined,
    );
  });

/** Timestamps that are not RFC 3339 date-times with an offset, each broken in one known way. */
const badTsValue = fc.oneof(
  validTs.map((ts) => ts.replace(/(Z|z|[+-]\d\d:\d\d)$/, "")), // no offset
  validTs.map((ts) => ts.slice(0, 10)), // date only
  validTs.map((ts) => `${ts.slice(0, 5)}13${ts.slice(7)}`), // month 13
  validTs.map((ts) => `${ts.slice(0, 5)}00${ts.slice(7)}`), // month 0
  validTs.map((ts) => `${ts.slice(0, 8)}32${ts.slice(10)}`), // day 32
  validTs.map((ts) => `${ts.slice(0, 5)}02-30${ts.slice(10)}`), // 30 February
  validTs.map((ts) => `${ts.slice(0, 11)}25${ts.slice(13)}`), // hour 25
  validTs.map((ts) => `${ts.slice(0, 14)}61${ts.slice(16)}`), // minute 61
  validTs.map((ts) => ts.replace(/(Z|z|[+-]\d\d:\d\d)$/, "+25:00")), // offset out of range
  validTs.map((ts) => `${ts.slice(0, 17)}60Z`.replace(/T\d\d:\d\d/, "T23:59")), // leap second
  validTs.map((ts) => ` ${ts}`), // padding
  validTs.map((ts) => ts.replace(/-/g, "/")),
  fc.constantFrom("", "yesterday", "now", "2026-11-26T10:00:00+01", "1795687200000", "T", "Z"),
);
const badTimestamp = fc
  .tuple(validReport, badTsValue)
  .map(([report, ts]) => line("bad-timestamp", asJson({ ...report, ts }), "ts"));

/**
 * Reports of MAX_REPORT_BYTES and around it, built by String.repeat so they stay cheap.
 * Either over the limit as a whole, or just under it with an over-long field.
 */
const huge = fc
  .tuple(
    validReport,
    fc.constantFrom("x", "é", "😀"),
    fc.integer({ min: 1, max: 4096 }),
    fc.boolean(),
  )
  .map(([report, unit, excess, over]) => {
    const base = JSON.stringify({ ...report, words: [""] });
    const unitBytes = Buffer.byteLength(unit);
    if (over) {
      // words[0] long enough that the whole line is `excess` bytes past the limit, or more.
      const n = Math.ceil((MAX_REPORT_BYTES - Buffer.byteLength(base) + excess) / unitBytes);
      return line("huge", asJson({ ...report, words: [unit.repeat(n)] }));
    }
    // Just under the limit, with a reportId far over its 128 characters.
    const n = Math.floor((MAX_REPORT_BYTES - Buffer.byteLength(base) - excess) / unitBytes);
    return line("huge", asJson({ ...report, words: [""], reportId: unit.repeat(n) }), "reportId");
  });

/** Nesting past MAX_REPORT_DEPTH (up to 100k) at the root, in a field, or in an extra field. */
const deepNesting = fc
  .tuple(
    validReport,
    // Mostly just past the limit, where an off-by-one would hide; a quarter up to 100k.
    fc.oneof(
      {
        arbitrary: fc.integer({ min: MAX_REPORT_DEPTH + 1, max: MAX_REPORT_DEPTH + 64 }),
        weight: 3,
      },
      { arbitrary: fc.integer({ min: MAX_REPORT_DEPTH + 1, max: 100_000 }), weight: 1 },
    ),
    fc.constantFrom("array", "object", "unclosed"),
    fc.constantFrom("root", "words", "x-deep", "telemetry"),
  )
  .map(([report, depth, shape, where]) => {
    const nested =
      shape === "object"
        ? `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`
        : shape === "array"
          ? `${"[".repeat(depth)}${"]".repeat(depth)}`
          : "[".repeat(depth);
    if (where === "root") return line("deep-nesting", nested);
    // Unclosed nesting is malformed JSON, rejected as a whole: no field to name.
    const path = shape === "unclosed" ? undefined : where;
    const marker = "__pw_fuzz_marker__";
    const withMarker = JSON.stringify({ ...report, [where]: marker });
    return line(
      "deep-nesting",
      withMarker.replace(`"${marker}"`, () => nested),
      path,
    );
  });

/** Byte sequences no UTF-8 decoder may accept. */
const INVALID_UTF8: readonly number[][] = [
  [0x80], // lone continuation byte
  [0xbf],
  [0xc0, 0xaf], // overlong "/"
  [0xc1, 0xbf],
  [0xe0, 0x80, 0xaf], // overlong 3-byte
  [0xed, 0xa0, 0x80], // UTF-16 surrogate D800 encoded
  [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
  [0xf5, 0x80, 0x80, 0x80],
  [0xfe],
  [0xff],
  [0xe2, 0x82], // truncated 3-byte sequence...
  [0xf0, 0x9f, 0x98], // ...and 4-byte
  [0xc3], // a lead byte alone
];

/** A valid report with an invalid UTF-8 sequence spliced into its bytes, often inside a string. */
export const invalidUtf8Bytes: fc.Arbitrary<HostileBytes> = fc
  .tuple(validReport, fc.constantFrom(...INVALID_UTF8), fc.nat(), fc.boolean())
  .map(([report, sequence, at, inName]) => {
    const marker = "__pw_fuzz_marker__";
    const source = inName
      ? JSON.stringify(setAt(report, ["citizens", 0, "name"], `a${marker}b`))
      : JSON.stringify(report);
    const bytes = Buffer.from(source, "utf8");
    const markerAt = bytes.indexOf(marker);
    // Splice at a character boundary, so only the spliced bytes are invalid.
    let cut = markerAt >= 0 ? markerAt : at % (bytes.length + 1);
    while (cut < bytes.length && ((bytes[cut] ?? 0) & 0xc0) === 0x80) cut++;
    const rest = markerAt >= 0 ? bytes.subarray(cut + marker.length) : bytes.subarray(cut);
    return {
      category: "invalid-utf8",
      bytes: Buffer.concat([bytes.subarray(0, cut), Buffer.from(sequence), rest]),
    } satisfies HostileBytes;
  });

/**
 * `__proto__`, `constructor` and `prototype` keys at every level, carrying the very fields
 * the report lacks: a parser that read them through the prototype chain would accept it,
 * and one that assigned them would pollute Object.prototype (`polluted` is the tell-tale).
 */
export const POLLUTION_KEYS = ["__proto__", "constructor", "prototype"] as const;
const prototypeKeys = fc
  .tuple(
    validReport,
    fc.constantFrom(...REQUIRED_FIELDS),
    fc.constantFrom(...POLLUTION_KEYS),
    fc.constantFrom(...POLLUTION_KEYS),
  )
  .map(([report, spec, carrier, sprinkle]) => {
    const doc = setAt(report, spec.keys, REMOVE) as Record<string, Json>;
    // Hide the removed field (with its valid value) in the parent's pollution key.
    const parentKeys = spec.keys.slice(0, -1);
    const lastKey = spec.keys[spec.keys.length - 1]!;
    const validValue = getAt(report, spec.keys);
    const parent = parentKeys.reduce<Json>(
      (node, key) => (node as Record<string | number, Json>)[key] as Json,
      doc,
    ) as Record<string, Json>;
    // A pollution attempt at every object level...
    const payload = (): Json => own(sprinkle, { polluted: "yes" }, { polluted: "yes" });
    own("__proto__", { polluted: "yes" }, doc);
    own(sprinkle, payload(), doc);
    for (const key of ["location", "telemetry"]) {
      const child = doc[key];
      if (child && typeof child === "object" && !Array.isArray(child))
        own(sprinkle, payload(), child);
    }
    // ...then the missing field's hiding place, last so nothing overwrites it.
    if (!Array.isArray(parent)) {
      own(carrier, own(String(lastKey), validValue, { polluted: "yes" }), parent);
    } else {
      // An array element was removed (leaving a hole): put first an element whose
      // content hides behind a pollution key.
      parent.unshift(own(carrier, validValue));
    }
    const path = Array.isArray(parent) ? `${spec.path.replace(/\[0\].*$/, "")}[0]` : spec.path;
    return line("prototype-keys", doc, path);
  });

function getAt(report: Report, keys: readonly (string | number)[]): Json {
  let node = report as unknown as Json;
  for (const key of keys) node = (node as Record<string | number, Json> | undefined)?.[key] as Json;
  return node;
}

/**
 * A raw control character (U+0000..U+001F except tab, LF, CR) anywhere in the text: never
 * legal in JSON, neither inside a string (it must be escaped) nor between tokens.
 */
const controlChar = fc
  .tuple(
    validLine,
    fc.integer({ min: 0, max: 0x1f }).filter((c) => c !== 0x09 && c !== 0x0a && c !== 0x0d),
    fc.nat(),
  )
  .map(([text, code, at]) => {
    const cut = safeCut(text, at);
    return line(
      "control-char",
      `${text.slice(0, cut)}${String.fromCharCode(code)}${text.slice(cut)}`,
    );
  });

/** A cut position that does not split a surrogate pair. */
function safeCut(text: string, at: number): number {
  let cut = at % (text.length + 1);
  const code = text.charCodeAt(cut);
  if (code >= 0xdc00 && code <= 0xdfff) cut--;
  return cut;
}

/** A byte order mark outside any string: before the report, or between its tokens. */
const bom = fc
  .tuple(validLine, fc.constantFrom("start", "after-brace", "end", "twice"))
  .map(([text, where]) => {
    const mark = "\uFEFF";
    const out =
      where === "start"
        ? `${mark}${text}`
        : where === "twice"
          ? `${mark}${mark}${text}`
          : where === "end"
            ? `${text}${mark}`
            : `{${mark}${text.slice(1)}`;
    return line("bom", out);
  });

/**
 * Unpaired UTF-16 surrogates in a string or a key, escaped (`\ud800`, what a JSON encoder
 * of a broken string writes) or, when `raw` is allowed, as the code unit itself (only a JS
 * string can hold one: as UTF-8 bytes it would already be U+FFFD).
 */
export const loneSurrogate = (raw: boolean): fc.Arbitrary<HostileLine> =>
  fc
    .tuple(
      validReport,
      fc.constantFrom(...REPORT_FIELDS.filter((f) => f.kind === "string" && f.required), undefined),
      fc.integer({ min: 0xd800, max: 0xdfff }),
      fc.constantFrom("alone", "start", "end", "reversed-pair"),
      raw ? fc.boolean() : fc.constant(false),
    )
    .map(([report, spec, unit, where, asRawUnit]) => {
      const hex = unit.toString(16);
      const lone = asRawUnit ? String.fromCharCode(unit) : `\\u${hex}`;
      const bad =
        where === "alone"
          ? lone
          : where === "start"
            ? `${lone}ok`
            : where === "end"
              ? `ok${lone}`
              : // low then high: two surrogates, neither paired
                asRawUnit
                ? "\uDC00\uD800"
                : "\\udc00\\ud800";
      const marker = "__pw_fuzz_marker__";
      if (spec === undefined) {
        // In a key of an extra field.
        const withMarker = JSON.stringify({ ...report, [marker]: 1 });
        return line(
          "lone-surrogate",
          withMarker.replace(marker, () => bad),
        );
      }
      const withMarker = JSON.stringify(setAt(report, spec.keys, marker));
      return line(
        "lone-surrogate",
        withMarker.replace(marker, () => bad),
        spec.path,
      );
    });

/**
 * The same key twice, the LAST one bad. JSON.parse (and so every consumer of the raw
 * report) keeps the last; a duplicate whose last value is valid is a valid neighbour.
 */
const duplicateKey = fc
  .tuple(validReport, fc.constantFrom(...REPORT_FIELDS.filter((f) => f.keys.length <= 2)))
  .chain(([report, spec]) =>
    wrongValueFor(spec).map((bad) => {
      const marker = "__pw_fuzz_marker__";
      const valid = getAt(report, spec.keys) ?? 1;
      const lastKey = String(spec.keys[spec.keys.length - 1]);
      if (typeof spec.keys[spec.keys.length - 1] === "number") {
        // An array element cannot be duplicated: duplicate the array's key instead.
        const arrayKey = String(spec.keys[0]);
        const withMarker = JSON.stringify({ ...report, [marker]: 1 });
        const dup = `${JSON.stringify(arrayKey)}:${JSON.stringify([bad])}`;
        return line(
          "duplicate-key",
          withMarker.replace(`"${marker}":1`, () => dup),
          spec.path,
        );
      }
      const doc = setAt(report, spec.keys, valid) as Record<string, Json>;
      const parent = (spec.keys.length === 2 ? doc[String(spec.keys[0])] : doc) as Record<
        string,
        Json
      >;
      // Keep the valid value first, then the marker where the bad duplicate goes, last.
      delete parent[lastKey];
      parent[lastKey] = valid;
      parent[marker] = 1;
      const dup = `${JSON.stringify(lastKey)}:${JSON.stringify(bad)}`;
      return line(
        "duplicate-key",
        JSON.stringify(doc).replace(`"${marker}":1`, () => dup),
        spec.path,
      );
    }),
  );

/** A strict prefix of a report's JSON (never valid: the closing brace is missing) or junk. */
const malformedJson = fc.oneof(
  fc
    .tuple(validLine, fc.nat())
    .map(([t, at]) => line("malformed-json", t.slice(0, Math.max(1, safeCut(t, at) % t.length)))),
  validLine.map((t) => line("malformed-json", `${t},`)),
  validLine.map((t) => line("malformed-json", `${t}${t}`)),
  validLine.map((t) => line("malformed-json", t.replace(/"/g, "'"))),
  fc
    .constantFrom("{", "}", "{nope", "undefined", "{'a':1}", "{a:1}", "[}", '{"a":1,}', "\\")
    .map((t) => line("malformed-json", t)),
);

/** Well-formed JSON that is not an object at the top. */
const notAnObject = fc
  .oneof(
    fc
      .jsonValue({ maxDepth: 2 })
      .filter((v) => v === null || typeof v !== "object" || Array.isArray(v)),
    validReport.map((r) => [r] as unknown),
    validLine,
  )
  .map((v) => line("not-an-object", JSON.stringify(v)));

/** Every category of bad text, by name: what each property test draws from. */
export const hostileLines: Record<
  Exclude<HostileCategory, "invalid-utf8">,
  fc.Arbitrary<HostileLine>
> = {
  "wrong-type": wrongType,
  "missing-field": missingField,
  "out-of-range": outOfRange,
  "nan-like-number": nanLike,
  "bad-timestamp": badTimestamp,
  huge,
  "deep-nesting": deepNesting,
  "prototype-keys": prototypeKeys,
  "control-char": controlChar,
  bom,
  "lone-surrogate": loneSurrogate(true),
  "duplicate-key": duplicateKey,
  "malformed-json": malformedJson,
  "not-an-object": notAnObject,
};

/**
 * Bad NDJSON lines as bytes, for file (and body) ingest: every category that survives
 * being written as UTF-8, plus invalid UTF-8. None contains a line break, and none is
 * blank. Lines around MAX_REPORT_BYTES only `withHuge`; deep ones stay under 20k characters.
 */
export function hostileNdjsonLine(options: { withHuge: boolean }): fc.Arbitrary<HostileBytes> {
  const toBytes = (arb: fc.Arbitrary<HostileLine>) =>
    arb.map(({ text, ...rest }): HostileBytes => ({ ...rest, bytes: Buffer.from(text, "utf8") }));
  const categories: fc.Arbitrary<HostileBytes>[] = [
    toBytes(wrongType),
    toBytes(missingField),
    toBytes(outOfRange),
    toBytes(nanLike),
    toBytes(badTimestamp),
    toBytes(prototypeKeys),
    toBytes(controlChar),
    toBytes(bom),
    // Raw lone surrogates would become U+FFFD on the way to bytes, a valid report.
    toBytes(loneSurrogate(false)),
    toBytes(duplicateKey),
    toBytes(malformedJson.filter((l) => l.text.trim() !== "")),
    toBytes(notAnObject),
    invalidUtf8Bytes,
    toBytes(deepNesting.filter((l) => l.text.length < 20_000)),
  ];
  if (options.withHuge) categories.push(toBytes(huge));
  return fc.oneof(...categories);
}
