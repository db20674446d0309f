import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { readLines } from "./ndjson-lines.js";

async function lines(chunks: (string | Buffer)[], maxBytes = 100) {
  const out: { number: number; text: string; length: number; size: number }[] = [];
  for await (const line of readLines(Readable.from(chunks), maxBytes)) {
    out.push({
      number: line.number,
      text: line.bytes.toString("latin1"),
      length: line.length,
      size: line.size,
    });
  }
  return out;
}

describe("readLines", () => {
  it("ends lines at \\n and \\r\\n only: a lone \\r (JSON whitespace) stays in its line", async () => {
    // readline split here, dead-lettering one valid report as two bad lines.
    expect((await lines(['{"a":1,\r"b":2}\r\n', "x\n", "\n", "y"])).map((l) => l.text)).toEqual([
      '{"a":1,\r"b":2}',
      "x",
      "",
      "y",
    ]);
  });

  it("keeps bytes as they are, split across chunks anywhere, and drops an opening BOM", async () => {
    const input = Buffer.from("\uFEFFé\r\n\uFEFF\xff\n", "utf8");
    const chunks = [...input].map((b) => Buffer.from([b]));
    const out = await lines(chunks);
    expect(out.map((l) => Buffer.from(l.text, "latin1").toString("utf8"))).toEqual([
      "é",
      "\uFEFF\xff",
    ]);
    expect(out.map((l) => l.number)).toEqual([1, 2]);
  });

  it("reads a file that is only a BOM, or ends in a lone \\r, as no extra line", async () => {
    expect(await lines(["\uFEFF"])).toEqual([]);
    expect((await lines(["x\n", "\r"])).map((l) => l.text)).toEqual(["x"]);
  });

  it("keeps only the start of an over-long line, but counts all of it", async () => {
    const out = await lines(["a".repeat(150), "b".repeat(100), "\nok\n"], 100);
    expect(out[0]).toMatchObject({ number: 1, length: 250, size: 251 });
    expect(out[0]?.text).toBe("a".repeat(101));
    expect(out[1]).toMatchObject({ number: 2, text: "ok" });
  });
});
