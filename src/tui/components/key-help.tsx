import { Box, Text } from "ink";

/** Which action keys work, and why not when they do not. */
export interface KeyAvailability {
  /** a and r: need the store's alert lifecycle and no --readonly. */
  lifecycle: boolean;
  /** m: mutes locally, and through the store when it can. Off with --readonly. */
  mute: boolean;
  /** Shown when some action keys are off. */
  readOnlyReason: string | null;
}

/** The one-line key reminder at the bottom. */
export function KeyHelpLine({ keys }: { keys: KeyAvailability }) {
  return (
    <Text wrap="truncate" dimColor>
      {"↑↓/jk move  / filter  "}
      {keys.lifecycle && "a ack  r resolve  "}
      {keys.mute && "m mute  "}
      {"p pause  ? keys  q quit"}
      {keys.readOnlyReason !== null && <Text color="magenta">{`  · ${keys.readOnlyReason}`}</Text>}
    </Text>
  );
}

const KEYS: readonly [string, string, keyof KeyAvailability | null][] = [
  ["↑ ↓  j k", "move the selection", null],
  ["PgUp PgDn", "move a page", null],
  ["g G  Home End", "newest / oldest", null],
  ["/", "filter: a regex over citizen, drone ids and words", null],
  ["Esc", "clear the filter (or cancel the input line)", null],
  ["a", "acknowledge the selected alert, with a reason", "lifecycle"],
  ["r", "resolve the selected alert, with a reason", "lifecycle"],
  ["m", "mute the selected citizen for a while (30m, 2h)", "mute"],
  ["p", "pause / resume applying new alerts", null],
  ["?", "show / hide this list", null],
  ["q  Ctrl-C", "quit", null],
];

/** Every key, in place of the detail pane. */
export function KeyHelpPanel({
  keys,
  width,
  height,
}: {
  keys: KeyAvailability;
  width: number;
  height: number;
}) {
  return (
    <Box
      flexDirection="column"
      width={width}
      height={height}
      flexShrink={0}
      borderStyle="round"
      borderColor="cyan"
      paddingX={1}
      overflow="hidden"
    >
      <Text bold>keys</Text>
      {KEYS.map(([key, what, needs]) => {
        const off = needs !== null && !keys[needs];
        return (
          <Text key={key} wrap="truncate" dimColor={off}>
            {`${key.padEnd(15)}${what}${off ? " (off: read-only)" : ""}`}
          </Text>
        );
      })}
      {keys.readOnlyReason !== null && (
        <Text color="magenta" wrap="truncate">
          {keys.readOnlyReason}
        </Text>
      )}
    </Box>
  );
}
