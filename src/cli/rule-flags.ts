import { Flags } from "@oclif/core";

/** Flags that choose the alert rules, shared by every command running the alert consumer. */
export const ruleFlags = {
  threshold: Flags.string({
    description: "alert when a citizen's score is below this [default: 2]",
    env: "PW_ALERT_THRESHOLD",
  }),
  rules: Flags.string({
    description: "rules file (JSON): thresholds, word watch-lists, severity, cooldown",
    env: "PW_RULES_FILE",
  }),
  cooldown: Flags.string({
    description: "fold repeats of a citizen within this long into the open alert [default: 10m]",
    env: "PW_ALERT_COOLDOWN",
  }),
};

export function ruleOptions(flags: {
  threshold?: string | undefined;
  rules?: string | undefined;
  cooldown?: string | undefined;
}) {
  return {
    rules: flags.rules,
    threshold: flags.threshold === undefined ? undefined : Number(flags.threshold),
    cooldown: flags.cooldown,
  };
}
