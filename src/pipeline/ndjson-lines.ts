/** One line of NDJSON input, still as bytes. */
export interface RawLine {
  /** 1-based; only "\n" ends a line ("\r\n" too, the "\r" being dropped). */
  number: number;
  /** The line without its line end, cut to its first `maxBytes + 1` bytes when longer. */
  bytes: Buffer;
  /** The line's full length in bytes without its line end, even when `bytes` was cut. */
  length: number;
  /** Bytes this line took in the input, line end included. */
  size: number;
}

const LF = 0x0a;
const CR = 0x0d;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Splits a byte stream into lines without decoding it, so the caller can reject a
 * line that is not UTF-8 instead of receiving it silently patched with U+FFFD, as
 * readline does. Unlike readline, a lone "\r" does not end a line (JSON allows it as
 * whitespace, and line numbers must match `wc -l`), and a line longer than `maxBytes`
 * is not held whole in memory: only its start is kept. A UTF-8 BOM opening the input
 * is dropped.
 */
export async function* readLines(
  input: AsyncIterable<Buffer | string>,
  maxBytes: number,
): AsyncGenerator<RawLine> {
  let parts: Buffer[] = [];
  let kept = 0;
  let length = 0;
  let lastByte = -1;
  let number = 0;

  const take = (segment: Buffer) => {
    if (segment.length === 0) return;
    length += segment.length;
    lastByte = segment[segment.length - 1]!;
    if (kept <= maxBytes) {
      const part = segment.subarray(0, maxBytes + 1 - kept);
      parts.push(part);
      kept += part.length;
    }
  };
  const finish = (terminator: number): RawLine => {
    number++;
    let bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, kept);
    const size = length + terminator;
    let lineLength = length;
    if (lastByte === CR) {
      lineLength--;
      if (bytes.length > lineLength) bytes = bytes.subarray(0, lineLength);
    }
    if (number === 1 && bytes.subarray(0, 3).equals(UTF8_BOM)) {
      bytes = bytes.subarray(3);
      lineLength -= 3;
    }
    parts = [];
    kept = 0;
    length = 0;
    lastByte = -1;
    return { number, bytes, length: lineLength, size };
  };

  for await (const chunk of input) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    let start = 0;
    for (let end = buffer.indexOf(LF, start); end >= 0; end = buffer.indexOf(LF, start)) {
      take(buffer.subarray(start, end));
      yield finish(1);
      start = end + 1;
    }
    take(buffer.subarray(start));
  }
  if (length > 0) {
    // An unterminated tail that is only a BOM (or a "\r") is no line at all, as for wc -l.
    const tail = finish(0);
    if (tail.length > 0) yield tail;
  }
}
