import type { IncomingMessage } from "node:http";

export type BodyRead =
  | { ok: true; bytes: Buffer }
  | { ok: false; reason: "too-large" }
  | { ok: false; reason: "aborted" };

/**
 * Reads a request body, never holding more than `maxBytes` of it: a declared
 * Content-Length over the cap is refused before reading, and a body that grows
 * past it is refused as soon as it does. The rest of a refused body is read and
 * thrown away, so the client still gets the answer instead of a reset.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyRead> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return Promise.resolve({ ok: false, reason: "too-large" });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        chunks.length = 0;
        req.off("data", onData);
        req.resume();
        resolve({ ok: false, reason: "too-large" });
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => resolve({ ok: true, bytes: Buffer.concat(chunks) }));
    req.once("aborted", () => resolve({ ok: false, reason: "aborted" }));
    req.once("error", () => resolve({ ok: false, reason: "aborted" }));
  });
}
