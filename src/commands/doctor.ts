import { openStore, openStream } from "../cli/backends.js";
import { backendFlags, PwCommand } from "../cli/base-command.js";
import { BackendError } from "../domain/errors.js";
import { type DoctorResult, runDoctor } from "../pipeline/doctor.js";

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
    const settings = this.settings(flags);
    const result = await runDoctor({
      openStream: () => openStream(settings),
      openStore: () => openStore(settings),
    });
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
