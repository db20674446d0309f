import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { csvField, formatTable, resolveFormat, writeRows } from "./render.js";

async function render(format: Parameters<typeof writeRows>[2]) {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (c: Buffer) => chunks.push(c));
  await writeRows(
    [
      { name: 'Zoë "Z", the first', n: 1 },
      { name: "Bob\nSmith", n: 2.5 },
    ],
    ["name", "n"],
    format,
    out,
  );
  return Buffer.concat(chunks).toString("utf8");
}

describe("render", () => {
  it("quotes CSV fields with commas, quotes and newlines, keeping non-ASCII letters", async () => {
    expect(await render("csv")).toBe('name,n\n"Zoë ""Z"", the first",1\n"Bob\nSmith",2.5\n');
    expect(csvField("plain")).toBe("plain");
  });

  it("writes NDJSON one object per line and JSON as one array", async () => {
    const ndjson = await render("ndjson");
    expect(
      ndjson
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l)),
    ).toEqual([
      { name: 'Zoë "Z", the first', n: 1 },
      { name: "Bob\nSmith", n: 2.5 },
    ]);
    expect(JSON.parse(await render("json"))).toHaveLength(2);
  });

  it("chooses a table only for a TTY unless told", () => {
    expect(resolveFormat(undefined, false, { isTTY: true })).toBe("table");
    expect(resolveFormat(undefined, false, { isTTY: false })).toBe("ndjson");
    expect(resolveFormat("csv", true, { isTTY: true })).toBe("json");
    expect(() => resolveFormat("xml", false)).toThrow(/--format must be one of/);
  });

  it("fits a table to the terminal width, cutting the widest column", () => {
    const table = formatTable(
      [{ id: "r1", text: "x".repeat(100), n: 1.23456 }],
      ["id", "text", "n"],
      40,
    );
    expect(table.split("\n")[1]).toBe(`r1  ${"x".repeat(28)}…  1.235`);
  });

  it("aligns table columns", () => {
    const table = formatTable(
      [
        { a: "x", b: 10 },
        { a: "long", b: 2 },
      ],
      ["a", "b"],
    );
    expect(table.split("\n").slice(1, 3)).toEqual(["x     10", "long   2"]);
  });
});
