import type { Store } from "../backends/store/types.js";
import type { Stream } from "../backends/stream/types.js";
import type { AlertRuleSet } from "../domain/alert-rules.js";
import type { Notifier } from "../pipeline/notifier.js";
import { openStore, openStream } from "./backends.js";
import type { BackendSettings } from "./config.js";
import { notifierFromFlags } from "./notify-flags.js";
import { ruleOptions } from "./rule-flags.js";
import { watchRuleFile } from "./rules.js";

export interface AlertingSetup {
  stream: Stream;
  store: Store;
  /** The current rules (the rules file is followed while this runs). */
  ruleSet: () => AlertRuleSet;
  notifier?: Notifier;
}

/**
 * What every command that runs the alert consumer needs (pw alerts, pw run):
 * backends, the followed rules file and the notifier from the flags, all
 * closed again however `use` ends.
 */
export async function withAlertingSetup<T>(
  settings: BackendSettings,
  flags: Parameters<typeof ruleOptions>[0] & Parameters<typeof notifierFromFlags>[0],
  warn: (message: string) => void,
  use: (setup: AlertingSetup) => Promise<T>,
): Promise<T> {
  const rules = watchRuleFile(ruleOptions(flags), warn);
  try {
    const stream = openStream(settings);
    try {
      const store = openStore(settings);
      try {
        const notify = await notifierFromFlags(flags, stream, warn);
        try {
          return await use({
            stream,
            store,
            ruleSet: rules.current,
            ...(notify && { notifier: notify.notifier }),
          });
        } finally {
          await notify?.close();
        }
      } finally {
        await store.close();
      }
    } finally {
      await stream.close();
    }
  } finally {
    rules.close();
  }
}
