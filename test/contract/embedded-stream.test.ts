import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { createEmbeddedStream } from "../../src/backends/stream/embedded/embedded-stream.js";
import { describeStreamContract } from "./stream-contract.js";

const dataDir = mkdtempSync(join(tmpdir(), "pw-stream-contract-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

// Every call opens its own SQLite connection on the same file, as a second process would.
describeStreamContract("embedded SQLite log", async () => createEmbeddedStream({ dataDir }));
