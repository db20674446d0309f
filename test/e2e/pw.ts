import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach } from "vitest";

export const BIN = fileURLToPath(new URL("../../bin/run.js", import.meta.url));

export interface PwRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A fresh data dir, so tests never share state. */
export function freshDataDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `pw-e2e-${label}-`));
}

const started = new Set<ChildProcess>();

// A test that fails half-way must not leave a consumer running: whatever a test
// started and is still alive afterwards is killed.
afterEach(() => {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  started.clear();
});

/** Starts the real binary as a user would; `env` adds to a clean copy of the environment. */
export function startPw(args: readonly string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  started.add(child);
  return child;
}

/** Runs the real binary to completion, feeding `input` on stdin. */
export function runPw(
  args: readonly string[],
  options: { env?: Record<string, string>; input?: string | Buffer; timeoutMs?: number } = {},
): Promise<PwRun> {
  const child = startPw(args, options.env);
  return finished(child, options.input, options.timeoutMs ?? 120_000);
}

export function finished(
  child: ChildProcess,
  input?: string | Buffer,
  timeoutMs = 120_000,
): Promise<PwRun> {
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout?.on("data", (c: Buffer) => stdout.push(c));
  child.stderr?.on("data", (c: Buffer) => stderr.push(c));
  child.stdin?.on("error", () => undefined); // a command may exit before reading all input
  if (input !== undefined) child.stdin?.end(input);
  else child.stdin?.end();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(`pw did not finish within ${timeoutMs} ms: ${Buffer.concat(stderr).toString()}`),
      );
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
      });
    });
  });
}

export const ndjson = <T = Record<string, unknown>>(text: string): T[] =>
  text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as T);
