import blessed from "blessed";
import contrib from "blessed-contrib";
import type { Severity } from "../../domain/alert.js";
import {
  agitatedBars,
  alertMarkers,
  alertTableRows,
  crowdSeries,
  inView,
  type MapView,
  type Series,
  scoreSeries,
} from "./chart-data.js";
import type { DashboardData } from "./dashboard-data.js";

/** The panels' titles: what an operator (and the smoke test) looks for. */
export const PANEL_TITLES = {
  map: "Alert positions",
  score: "Average score",
  crowd: "Average crowd size",
  agitated: "Top agitated citizens",
  rate: "Alert rate",
  latest: "Latest alerts",
} as const;

const MARKER_COLOUR: Record<Severity, string> = {
  critical: "magenta",
  high: "red",
  medium: "yellow",
  low: "cyan",
};
const BAR_WIDTH = 6;
// blessed-contrib wants at least 3 columns between bars; 9 fits 8 bars in half a 160-column screen.
const BAR_SPACING = 9;
const BAR_X_OFFSET = 1;
const GRID_SIZE = 12;
const TABLE_ROWS = 20;

export interface DashboardScreenOptions {
  view: MapView;
  refreshMs: number;
  /** The window and bucket of the trend charts, for their titles. */
  trendLabel: string;
}

/** The dashboard's terminal screen: a grid of charts redrawn on every refresh. */
export interface DashboardScreen {
  show(data: DashboardData, alertRate: readonly number[]): void;
  /** The bottom line: when the data was read, or why it could not be. */
  showStatus(text: string, tone: "info" | "error"): void;
  /** Called on q, Esc or Ctrl-C. */
  onQuit(listener: () => void): void;
  /** Restores the terminal. */
  destroy(): void;
}

/** Takes over the terminal and lays out the panels on a 12×12 grid. */
export function createDashboardScreen(options: DashboardScreenOptions): DashboardScreen {
  // The charts draw braille characters whatever the locale says, so the terminal takes
  // UTF-8 anyway: without forceUnicode blessed would print citizens' accented names as "?".
  const screen = blessed.screen({ smartCSR: true, title: "pw dashboard", forceUnicode: true });
  // Each widget is built by its own typed factory, then placed on the grid.
  const place = <W extends blessed.Widgets.Node>(widget: W): W => {
    screen.append(widget);
    return widget;
  };
  const { view } = options;
  const seconds = `${Math.round(options.refreshMs / 100) / 10}s`;

  const map = place(
    contrib.map({
      ...gridCell(0, 0, 6, 6),
      label: ` ${PANEL_TITLES.map} (latest alerts, colour = severity) `,
      // map-canvas counts degrees from the antimeridian and the south pole.
      startLon: view.minLon + 180,
      endLon: view.maxLon + 180,
      startLat: view.minLat + 90,
      endLat: view.maxLat + 90,
      style: { shapeColor: "white" },
    }),
  );
  const score = place(
    contrib.line({
      ...gridCell(0, 6, 3, 6),
      label: ` ${PANEL_TITLES.score} (${options.trendLabel}) `,
      style: { line: "yellow", text: "white", baseline: "white" },
      xLabelPadding: 2,
      xPadding: 4,
    }),
  );
  const crowd = place(
    contrib.line({
      ...gridCell(3, 6, 3, 6),
      label: ` ${PANEL_TITLES.crowd} (citizens per report, ${options.trendLabel}) `,
      style: { line: "cyan", text: "white", baseline: "white" },
      xLabelPadding: 2,
      xPadding: 4,
    }),
  );
  const agitated = place(
    contrib.bar({
      ...gridCell(6, 0, 5, 6),
      label: ` ${PANEL_TITLES.agitated} (sightings below score 2) `,
      barWidth: BAR_WIDTH,
      barSpacing: BAR_WIDTH + 3,
      xOffset: 1,
      maxHeight: 1,
      barBgColor: "red",
    }),
  );
  const rate = place(
    contrib.sparkline({
      ...gridCell(6, 6, 2, 6),
      label: ` ${PANEL_TITLES.rate} `,
      tags: true,
      style: { fg: "red", titleFg: "white" },
    }),
  );
  const latest = place(
    contrib.table({
      ...gridCell(8, 6, 3, 6),
      label: ` ${PANEL_TITLES.latest} `,
      keys: false,
      interactive: "false",
      fg: "white",
      columnSpacing: 2,
      columnWidth: [8, 8, 22, 5, 10, 5],
    }),
  );
  const status = place(
    blessed.box({
      ...gridCell(11, 0, 1, 12),
      label: " pw dashboard ",
      tags: false,
      content: "loading…",
    }),
  );

  const showSeries = (chart: contrib.Widgets.LineElement, title: string, series: Series) => {
    // A line chart needs two points to draw; until then it shows an empty frame.
    chart.setData([
      series.x.length >= 2 ? { title, ...series } : { title, x: [" ", " "], y: [0, 0] },
    ]);
  };

  return {
    show(data, alertRate) {
      map.clearMarkers();
      for (const marker of alertMarkers(data.recentAlerts)) {
        if (!inView(view, marker)) continue;
        map.addMarker({
          lat: marker.lat,
          lon: marker.lon,
          color: MARKER_COLOUR[marker.severity],
          char: "x",
        });
      }
      showSeries(score, "score", scoreSeries(data.scoreTrend));
      showSeries(crowd, "crowd", crowdSeries(data.crowdTrend));
      // Bars past the panel's edge would wrap onto the next line of the canvas: draw those that fit.
      const barsThatFit = Math.floor((Number(agitated.width) - 2 - BAR_X_OFFSET) / BAR_SPACING);
      agitated.setData(
        agitatedBars(data.topAgitated.slice(0, Math.max(0, barsThatFit)), BAR_SPACING - 1),
      );
      // The sparkline draws from the start of the data: hand it the newest intervals that fit.
      const sparkWidth = Math.max(1, Number(rate.width) - 2);
      rate.setData(
        [`alert events per ${seconds}, last ${alertRate.at(-1) ?? 0}`],
        [alertRate.slice(-sparkWidth)],
      );
      latest.setData({
        headers: ["time", "severity", "citizen", "score", "drone", "seen"],
        data: alertTableRows(data.recentAlerts, TABLE_ROWS),
      });
      screen.render();
    },
    showStatus(text, tone) {
      status.style.fg = tone === "error" ? "red" : "green";
      status.setContent(`${text}   ·   refresh every ${seconds}   ·   q quit`);
      screen.render();
    },
    onQuit(listener) {
      screen.key(["q", "escape", "C-c"], listener);
    },
    destroy() {
      screen.destroy();
    },
  };
}

/** Position of a panel on a 12×12 grid of the screen, as contrib.grid places it. */
function gridCell(row: number, col: number, rowSpan: number, colSpan: number) {
  const cell = 100 / GRID_SIZE;
  return {
    top: `${row * cell}%`,
    left: `${col * cell}%`,
    width: `${colSpan * cell}%`,
    height: `${rowSpan * cell}%`,
    border: { type: "line" as const },
    style: { border: { fg: "cyan" } },
  };
}
