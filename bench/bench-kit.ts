/** What every benchmark shares: machine facts, latency percentiles, the results file. */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { createEmbeddedStore } from "../src/backends/store/embedded/embedded-store.js";

export function machineInfo() {
  return { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version };
}

/** p50, p99 and max of latencies in ms, to 0.1 ms. */
export function latencySummary(latencies: number[]): {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
} {
  const sorted = [...latencies].sort((a, b) => a - b);
  const round = (ms: number | undefined) => Math.round((ms ?? Number.NaN) * 10) / 10;
  const pct = (p: number) =>
    round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]);
  return { p50Ms: pct(0.5), p99Ms: pct(0.99), maxMs: round(sorted.at(-1)) };
}

/** Polled in-process: spawning `pw status` would itself eat a core of this 2-core machine. */
export async function storedCount(dataDir: string): Promise<number> {
  const store = createEmbeddedStore({ dataDir });
  try {
    return (await store.counts()).reports;
  } finally {
    await store.close();
  }
}

/** Writes bench/results/<name>.json and prints the same figures. */
export function writeResults(name: string, results: unknown): void {
  const text = `${JSON.stringify(results, null, 2)}\n`;
  mkdirSync(fileURLToPath(new URL("results", import.meta.url)), { recursive: true });
  writeFileSync(new URL(`results/${name}.json`, import.meta.url), text);
  process.stdout.write(text);
}
