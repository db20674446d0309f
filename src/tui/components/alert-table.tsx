import { Box, Text } from "ink";
import type { Alert } from "../../domain/alert.js";
import { clockTime, fixedWidth } from "../format.js";
import { SEVERITY_STYLE } from "./severity.js";

export interface AlertTableProps {
  /** Only the rows that fit: the caller slices the visible window. */
  rows: readonly Alert[];
  selectedId: string | undefined;
  /** Lines available for rows, so an empty table keeps its height. */
  height: number;
  emptyText: string;
}

const COLUMNS =
  "time      severity  citizen               score  drone       seen  state     words";

/** The alert list, one line per alert, the selected one inverted. */
export function AlertTable({ rows, selectedId, height, emptyText }: AlertTableProps) {
  return (
    <Box flexDirection="column" height={height + 1} overflow="hidden">
      <Text bold wrap="truncate">
        {COLUMNS}
      </Text>
      {rows.length === 0 ? (
        <Text dimColor>{emptyText}</Text>
      ) : (
        rows.map((alert) => (
          <AlertRow key={alert.alertId} alert={alert} selected={alert.alertId === selectedId} />
        ))
      )}
    </Box>
  );
}

function AlertRow({ alert, selected }: { alert: Alert; selected: boolean }) {
  return (
    <Text wrap="truncate" inverse={selected}>
      {`${fixedWidth(clockTime(alert.lastReportTs), 10)}`}
      <Text {...SEVERITY_STYLE[alert.severity]}>{fixedWidth(alert.severity.toUpperCase(), 8)}</Text>
      {`  ${fixedWidth(alert.citizen, 20)}  ${fixedWidth(String(alert.lastScore), 5)}  ${fixedWidth(alert.lastDroneId, 10)}  ${fixedWidth(`${alert.occurrences}×`, 4)}  ${fixedWidth(alert.state, 8)}  ${alert.words.join(" ")}`}
    </Text>
  );
}
