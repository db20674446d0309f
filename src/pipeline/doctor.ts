import type { Store } from "../backends/store/types.js";
import { type Stream, Topics } from "../backends/stream/types.js";

/** One check: what was checked, whether it works, and what was seen or what to do. */
export interface DoctorCheck {
  name: "stream" | "store";
  ok: boolean;
  /** On success what was seen; on failure what is wrong and what to do. */
  detail: string;
}

/** What `pw doctor --json` prints: a contract for scripts. */
export interface DoctorResult {
  ok: boolean;
  checks: DoctorCheck[];
}

/**
 * Tries the configured stream and store the way pw uses them and reports, per
 * backend, what works or what is wrong. Backends come as factories, so opening
 * one can fail inside its check.
 */
export async function runDoctor(backends: {
  openStream: () => Stream;
  openStore: () => Store;
}): Promise<DoctorResult> {
  const checks = [await checkStream(backends.openStream), await checkStore(backends.openStore)];
  return { ok: checks.every((c) => c.ok), checks };
}

async function checkStream(openStream: () => Stream): Promise<DoctorCheck> {
  return check("stream", async () => {
    const stream = openStream();
    try {
      const stats = await stream.stats(Topics.reports);
      const reader = await stream.createReader({ topic: Topics.reports, start: "latest" });
      await reader.close();
      const subscriptions = stats.subscriptions
        .map((s) => `${s.name} backlog ${s.backlog} (${s.consumers} consumer(s))`)
        .join(", ");
      return `${stream.description}: ${stats.published} report(s) published${subscriptions ? `; ${subscriptions}` : ""}`;
    } finally {
      await stream.close();
    }
  });
}

async function checkStore(openStore: () => Store): Promise<DoctorCheck> {
  return check("store", async () => {
    const store = openStore();
    try {
      const counts = await store.counts();
      return `${store.description}: ${counts.reports} report(s) stored`;
    } finally {
      await store.close();
    }
  });
}

async function check(name: DoctorCheck["name"], run: () => Promise<string>): Promise<DoctorCheck> {
  try {
    return { name, ok: true, detail: await run() };
  } catch (error) {
    // Every failure becomes a failed check, expected or not: doctor's job is to report them.
    return { name, ok: false, detail: (error as Error).message ?? String(error) };
  }
}
