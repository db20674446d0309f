import { Flags } from "@oclif/core";
import { Topics } from "../backends/stream/types.js";
import { openStream } from "../cli/backends.js";
import { backendFlags, PwCommand } from "../cli/base-command.js";
import { resolveFormat, writeRows } from "../cli/render.js";
import type { DeadLetter } from "../pipeline/dead-letter.js";

export default class DeadLetters extends PwCommand {
  static override description =
    "List what was dead-lettered: every rejected input with its source, line and reason";

  static override examples = [
    "<%= config.bin %> dead-letters",
    "<%= config.bin %> dead-letters --format ndjson | jq -r .reason",
  ];

  static override flags = {
    ...backendFlags,
    format: Flags.string({
      description: "table | json | ndjson | csv [default: table on a TTY, else ndjson]",
    }),
    json: Flags.boolean({ description: "same as --format json" }),
    limit: Flags.integer({ description: "at most this many, oldest first", min: 1 }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(DeadLetters);
    const stream = openStream(this.settings(flags));
    const format = resolveFormat(flags.format, flags.json);
    try {
      const reader = await stream.createReader({
        topic: Topics.reportsDeadLetter,
        start: "earliest",
      });
      const limit = flags.limit ?? Number.POSITIVE_INFINITY;
      async function* letters() {
        let seen = 0;
        for (;;) {
          const batch = await reader.read({ maxMessages: 1000, timeoutMs: 0 });
          if (batch.length === 0) return;
          for (const m of batch) {
            if (seen++ >= limit) return;
            const letter = JSON.parse(m.value) as DeadLetter;
            yield {
              ...letter,
              input: format === "table" ? letter.input.slice(0, 60) : letter.input,
            };
          }
        }
      }
      await writeRows(letters(), ["at", "source", "line", "reason", "input"], format);
    } finally {
      await stream.close();
    }
  }
}
