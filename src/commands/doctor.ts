import { Topics } from "../backends/stream/types.js";
import { openStore, openStream } from "../cli/backends.js";
import { backendFlags, PwCommand } from "../cli/base-command.js";
import type { BackendSettings } from "../cli/config.js";
import { BackendError } from "../domain/errors.js";

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

export default class Doctor extends PwCommand {
  static override description = `Check that the configured stream and store work
Reads the stream's stats and opens a reader on the reports topic (for Pulsar: the admin API and the WebSocket API), and counts what the store holds. Prints one line per check and exits non-zero if any failed.`;

  static override enableJsonFlag = true;
  static override examples = [
    "<%= config.bin %> doctor",
    "<%= config.bin %> doctor --stream pulsar://127.0.0.1:6650",
    "<%= config.bin %> doctor --json | jq .ok",
  ];
  static override flags = { ...backendFlags };

  async run(): Promise<DoctorResult> {
    const { flags } = await this.parse(Doctor);
    const result = await runDoctor(this.settings(flags));
    if (!this.jsonEnabled()) {
      for (const c of result.checks)
        this.log(`${c.ok ? "ok  " : "FAIL"}  ${c.name.padEnd(6)}  ${c.detail}`);
    }
    if (!result.ok) {
      // The result still goes to stdout for scripts; the exit status says it failed.
      if (this.jsonEnabled()) this.logJson(result);
      const failed = result.checks.filter((c) => !c.ok).map((c) => c.name);
      throw new BackendError(`doctor: the ${failed.join(" and ")} check failed`);
    }
    return result;
  }
}

/**
 * Runs every check, each on its own: a broken stream does not hide the state
 * of the store. (Kept next to the command only because of file ownership; it
 * belongs with the use-cases in src/pipeline/.)
 */
export async function runDoctor(settings: BackendSettings): Promise<DoctorResult> {
  const checks = [await checkStream(settings), await checkStore(settings)];
  return { ok: checks.every((c) => c.ok), checks };
}

async function checkStream(settings: BackendSettings): Promise<DoctorCheck> {
  return check("stream", async () => {
    const stream = openStream(settings);
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

async function checkStore(settings: BackendSettings): Promise<DoctorCheck> {
  return check("store", async () => {
    const store = openStore(settings);
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
