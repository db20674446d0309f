import { Box, Text } from "ink";
import type { ConnectionState, FeedStats } from "../feed-stats.js";
import { formatCount, formatRate } from "../format.js";

export interface ConsoleHeaderProps {
  stats: FeedStats;
  connection: ConnectionState;
  /** Why actions are off, or null when they are on. */
  readOnlyReason: string | null;
  /** Pending events while paused, or null when live. */
  pendingWhilePaused: number | null;
  shown: number;
  total: number;
  filterSource: string | null;
  mutedCitizens: number;
}

/** Two lines: what the console is connected to and its mode; then the live numbers. */
export function ConsoleHeader(props: ConsoleHeaderProps) {
  const { stats, connection } = props;
  const backlog =
    stats.backlog.length === 0
      ? "–"
      : stats.backlog.map((s) => `${s.name} ${formatCount(s.backlog)}`).join(", ");
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text bold>pw alerts · live</Text>
        {"  "}
        <ConnectionBadge connection={connection} />
        {props.readOnlyReason !== null && <Text color="magenta">{"  read-only"}</Text>}
        {props.pendingWhilePaused !== null && (
          <Text color="black" backgroundColor="yellow" bold>
            {`  PAUSED (${formatCount(props.pendingWhilePaused)} pending)  `}
          </Text>
        )}
      </Text>
      <Text wrap="truncate">
        {`reports ${formatRate(stats.reportsPerSecond)}/s · alerts ${formatRate(stats.alertsPerMinute)}/min · backlog ${backlog} · `}
        {props.filterSource === null
          ? `${formatCount(props.total)} alerts`
          : `${formatCount(props.shown)} of ${formatCount(props.total)} alerts match /${props.filterSource}/`}
        {props.mutedCitizens > 0 && ` · ${props.mutedCitizens} muted`}
        {stats.unreadable > 0 && (
          <Text color="yellow">{` · ${stats.unreadable} unreadable event(s) skipped`}</Text>
        )}
      </Text>
    </Box>
  );
}

function ConnectionBadge({ connection }: { connection: ConnectionState }) {
  switch (connection.status) {
    case "connecting":
      return <Text color="yellow">● connecting…</Text>;
    case "ok":
      return <Text color="green">● ok</Text>;
    case "error":
      return <Text color="red">{`● error: ${connection.message}`}</Text>;
  }
}
