import type { IngestProgress } from "../pipeline/ingest.js";

/**
 * A one-line progress bar on stderr for files on a TTY; nothing otherwise, so
 * logs and pipes stay clean. The line is cleared when input ends.
 */
export function progressReporter(
  err: NodeJS.WriteStream = process.stderr,
): ((p: IngestProgress) => void) | undefined {
  if (!err.isTTY) return undefined;
  return (p) => {
    const width = 30;
    const share = p.sizeBytes ? Math.min(1, p.bytesRead / p.sizeBytes) : undefined;
    const bar =
      share === undefined
        ? ""
        : `[${"#".repeat(Math.round(share * width)).padEnd(width, ".")}] ${(share * 100).toFixed(0).padStart(3)}% `;
    err.write(`\r${bar}${p.source}: ${p.accepted} accepted, ${p.deadLettered} dead-lettered\x1b[K`);
  };
}

/** Removes the progress line, if one was drawn. */
export function clearProgress(err: NodeJS.WriteStream = process.stderr): void {
  if (err.isTTY) err.write("\r\x1b[K");
}
