import { Box, Text } from "ink";
import type { ReactElement } from "react";
import type { Alert } from "../../domain/alert.js";
import { formatLocation, relativeTime, shortTimestamp } from "../format.js";
import { SEVERITY_STYLE } from "./severity.js";

export interface AlertDetailProps {
  alert: Alert | undefined;
  now: number;
  width: number;
  /** Including the border: the pane shows the first `height - 2` lines. */
  height: number;
}

/**
 * Everything about the selected alert, in a bordered pane. Lines come most
 * useful first and those that do not fit are left out, never squeezed.
 */
export function AlertDetail({ alert, now, width, height }: AlertDetailProps) {
  const lines = alert
    ? detailLines(alert, now)
    : [{ key: "none", line: <Text dimColor>no alert selected</Text> }];
  return (
    <Box
      flexDirection="column"
      width={width}
      height={height}
      flexShrink={0}
      borderStyle="round"
      borderColor="gray"
      paddingX={1}
    >
      {lines.slice(0, Math.max(0, height - 2)).map(({ key, line }) => (
        <Box key={key} flexShrink={0}>
          {line}
        </Box>
      ))}
    </Box>
  );
}

interface DetailLine {
  key: string;
  line: ReactElement;
}

function detailLines(alert: Alert, now: number): DetailLine[] {
  const opened = formatLocation(alert.location);
  const last = formatLocation(alert.lastLocation);
  const when = (iso: string) => `${shortTimestamp(iso)} (${relativeTime(iso, now)})`;
  return [
    {
      key: "citizen",
      line: (
        <Text wrap="truncate">
          <Text bold>{alert.citizen}</Text>
          {"  "}
          <Text {...SEVERITY_STYLE[alert.severity]}>{alert.severity.toUpperCase()}</Text>
          {`  ${alert.state}`}
        </Text>
      ),
    },
    field("score", `${alert.score} (opening) → last ${alert.lastScore}`),
    field(
      "drone",
      alert.lastDroneId === alert.droneId
        ? alert.droneId
        : `${alert.droneId} → last ${alert.lastDroneId}`,
    ),
    field("location", opened === last ? last : `${last} (opened at ${opened})`),
    field("words", alert.words.length > 0 ? alert.words.join(", ") : "–"),
    field("seen", `${alert.occurrences} time(s)`),
    field("rule", alert.rule),
    field("last seen", when(alert.lastReportTs)),
    field("opened", when(alert.reportTs)),
    field(
      "detected",
      `${shortTimestamp(alert.detectedAt)}, last ${shortTimestamp(alert.lastDetectedAt)}`,
    ),
    field("alert id", alert.alertId),
    field(
      "report",
      alert.reportId === alert.lastReportId
        ? alert.reportId
        : `${alert.reportId} → last ${alert.lastReportId}`,
    ),
  ];
}

function field(label: string, value: string): DetailLine {
  return {
    key: label,
    line: (
      <Text wrap="truncate">
        <Text dimColor>{label.padEnd(10)}</Text>
        {value}
      </Text>
    ),
  };
}
