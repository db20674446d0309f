import { render } from "ink-testing-library";
import { afterEach, describe, expect, it } from "vitest";
import type { Alert } from "../domain/alert.js";
import type { AlertActions } from "./alert-actions.js";
import { AlertConsole, type AlertConsoleProps } from "./alert-console.js";
import { EMPTY_FEED_STATS } from "./feed-stats.js";

const NOW = Date.parse("2026-11-26T10:05:00Z");

function alert(n: number, citizen: string, extra: Partial<Alert> = {}): Alert {
  const ts = new Date(NOW - n * 60_000).toISOString();
  return {
    alertId: `alert-${n}`,
    rule: "agitated",
    severity: "high",
    state: "open",
    citizen,
    score: 1.5,
    droneId: `drone-${n}`,
    location: { lat: 48.85, lon: 2.35 },
    reportId: `report-${n}`,
    reportTs: ts,
    detectedAt: ts,
    words: ["calm"],
    occurrences: 1,
    lastScore: 1.2,
    lastDroneId: `drone-${n}`,
    lastLocation: { lat: 48.86123, lon: 2.34567 },
    lastReportId: `report-${n}b`,
    lastReportTs: ts,
    lastDetectedAt: ts,
    ...extra,
  };
}

const ALERTS = [
  alert(1, "Ann Martin", { words: ["shouting", "crowd"], severity: "critical", occurrences: 4 }),
  alert(2, "Bob Durand", { droneId: "drone-77", lastDroneId: "drone-78" }),
  alert(3, "Cléo Petit", { severity: "low" }),
];

type Rendered = ReturnType<typeof render>;
const mounted: Rendered[] = [];
afterEach(() => {
  for (const instance of mounted.splice(0)) instance.unmount();
});

function props(overrides: Partial<AlertConsoleProps> = {}): AlertConsoleProps {
  return {
    alerts: ALERTS,
    stats: { ...EMPTY_FEED_STATS, backlog: [{ name: "alerts", backlog: 3 }] },
    connection: { status: "ok" },
    readonly: false,
    now: NOW,
    size: { rows: 30, columns: 100 },
    onQuit: () => undefined,
    ...overrides,
  };
}

/** Renders the console and waits until it listens to keys, so no keystroke is lost. */
async function mount(overrides: Partial<AlertConsoleProps> = {}): Promise<Rendered> {
  const instance = render(<AlertConsole {...props(overrides)} />);
  mounted.push(instance);
  await until(() => instance.stdin.listenerCount("readable") > 0, "the console to read keys");
  return instance;
}

async function until(condition: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Polls for a frame that satisfies `check`, and returns it. */
async function frameWhere(instance: Rendered, check: (frame: string) => boolean): Promise<string> {
  let frame = "";
  const matches = () => {
    frame = instance.lastFrame() ?? "";
    return check(frame);
  };
  await until(matches, "the expected frame").catch((error: Error) => {
    throw new Error(`${error.message}; last frame:\n${frame}`);
  });
  return frame;
}

const frameWith = (instance: Rendered, text: string) =>
  frameWhere(instance, (frame) => frame.includes(text));

/** The value of a detail pane field, e.g. "alert id". */
function detail(frame: string, label: string): string | undefined {
  const line = frame.split("\n").find((l) => l.includes(`│ ${label.padEnd(10)}`));
  return line?.split(label.padEnd(10))[1]?.replace(/│/g, "").trim();
}

const KEY = { down: "\u001B[B", up: "\u001B[A", enter: "\r", escape: "\u001B" };

async function type(instance: Rendered, text: string): Promise<void> {
  for (const char of text) {
    instance.stdin.write(char);
    // Each key is its own read, as typing is; the next waits for the frame to take it.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe("AlertConsole", () => {
  it("lists the alerts newest first with the live numbers in the header", async () => {
    const instance = await mount({
      stats: {
        ...EMPTY_FEED_STATS,
        reportsPerSecond: 1234.4,
        alertsPerMinute: 12,
        backlog: [
          { name: "alerts", backlog: 3 },
          { name: "archive", backlog: 1500 },
        ],
      },
    });
    const frame = await frameWith(instance, "Cléo Petit");
    expect(frame).toContain("reports 1,234/s · alerts 12/min · backlog alerts 3, archive 1,500");
    expect(frame).toContain("● ok");
    const rows = frame.split("\n").filter((l) => /Ann Martin|Bob Durand|Cléo Petit/.test(l));
    expect(rows[0]).toMatch(
      /10:04:00\s+CRITICAL\s+Ann Martin\s+1\.2\s+drone-1\s+4×\s+open\s+shouting crowd/,
    );
    expect(rows.findIndex((l) => l.includes("Bob"))).toBeLessThan(
      rows.findIndex((l) => l.includes("Cléo")),
    );
  });

  it("shows the connection error in the header", async () => {
    const instance = await mount({
      connection: { status: "error", message: "stats: connection refused" },
    });
    await frameWith(instance, "● error: stats: connection refused");
  });

  it("shows the selected alert's fields in the detail pane", async () => {
    const instance = await mount();
    await frameWith(instance, "Ann Martin");
    await type(instance, "j");
    const frame = await frameWhere(instance, (f) => detail(f, "alert id") === "alert-2");
    expect(detail(frame, "score")).toBe("1.5 (opening) → last 1.2");
    expect(detail(frame, "drone")).toBe("drone-77 → last drone-78");
    expect(detail(frame, "location")).toBe("48.86123,2.34567 (opened at 48.85000,2.35000)");
    expect(detail(frame, "words")).toBe("calm");
    expect(detail(frame, "seen")).toBe("1 time(s)");
    expect(detail(frame, "rule")).toBe("agitated");
    expect(detail(frame, "last seen")).toBe("2026-11-26 10:03:00Z (2m ago)");
    expect(detail(frame, "opened")).toBe("2026-11-26 10:03:00Z (2m ago)");
    expect(detail(frame, "detected")).toBe("2026-11-26 10:03:00Z, last 2026-11-26 10:03:00Z");
    expect(frame).toMatch(/Bob Durand\s+HIGH\s+open/);
  });

  it("moves the selection with j/k and the arrows, stopping at the ends", async () => {
    const instance = await mount();
    const selected = async (id: string) =>
      frameWhere(instance, (f) => detail(f, "alert id") === id);
    await selected("alert-1");
    await type(instance, "j");
    await selected("alert-2");
    instance.stdin.write(KEY.down);
    await selected("alert-3");
    await type(instance, "j");
    await selected("alert-3");
    await type(instance, "k");
    await selected("alert-2");
    instance.stdin.write(KEY.up);
    await selected("alert-1");
    await type(instance, "G");
    await selected("alert-3");
  });

  it("filters with / and a regex, and Esc clears the filter", async () => {
    const instance = await mount();
    await frameWith(instance, "Cléo Petit");
    await type(instance, "/");
    await frameWith(instance, "filter (regex");
    await type(instance, "^bob|shout");
    await frameWith(instance, "/^bob|shout");
    instance.stdin.write(KEY.enter);
    const frame = await frameWith(instance, "2 of 3 alerts match /^bob|shout/");
    expect(frame).toContain("Bob Durand");
    expect(frame).toContain("Ann Martin");
    expect(frame).not.toContain("Cléo Petit");
    instance.stdin.write(KEY.escape);
    await frameWith(instance, "Cléo Petit");
  });

  it("takes several keys arriving in one read, as a paste or a fast typist sends them", async () => {
    const instance = await mount();
    await frameWith(instance, "Cléo Petit");
    instance.stdin.write("jj");
    await frameWhere(instance, (f) => detail(f, "alert id") === "alert-3");
    instance.stdin.write("/bob\r");
    const frame = await frameWith(instance, "1 of 3 alerts match /bob/");
    expect(frame).not.toContain("Cléo Petit");
  });

  it("takes reads that come faster than renders, each seeing what the last did", async () => {
    const instance = await mount();
    await frameWith(instance, "Cléo Petit");
    instance.stdin.write("/");
    instance.stdin.write("cl");
    instance.stdin.write("éo");
    instance.stdin.write(KEY.enter);
    const frame = await frameWith(instance, "1 of 3 alerts match /cléo/");
    expect(frame).not.toContain("Ann Martin");
  });

  it("shows an invalid regex as an error line and keeps running", async () => {
    const instance = await mount();
    await frameWith(instance, "Cléo Petit");
    await type(instance, "/(bob");
    await frameWith(instance, "/(bob");
    instance.stdin.write(KEY.enter);
    const frame = await frameWith(instance, "invalid filter:");
    expect(frame).toContain("Cléo Petit");
    instance.stdin.write(KEY.escape);
    await frameWhere(instance, (f) => !f.includes("invalid filter") && f.includes("3 alerts"));
  });

  it("pauses: new alerts wait, counted, until resumed", async () => {
    const instance = await mount();
    await frameWith(instance, "Cléo Petit");
    await type(instance, "p");
    await frameWith(instance, "PAUSED (0 pending)");
    const newer = alert(0, "Dan Newman");
    instance.rerender(
      <AlertConsole
        {...props({
          alerts: [newer, ...ALERTS],
          stats: { ...EMPTY_FEED_STATS, eventsReceived: 2 },
        })}
      />,
    );
    const paused = await frameWith(instance, "PAUSED (2 pending)");
    expect(paused).not.toContain("Dan Newman");
    await type(instance, "p");
    const live = await frameWith(instance, "Dan Newman");
    expect(live).not.toContain("PAUSED");
  });

  it("mutes a citizen locally for a while", async () => {
    const instance = await mount();
    await frameWith(instance, "Ann Martin");
    await type(instance, "m");
    await frameWith(instance, "mute Ann Martin for");
    await type(instance, "30m");
    instance.stdin.write(KEY.enter);
    const frame = await frameWith(instance, "muted Ann Martin until 2026-11-26T10:35:00.000Z");
    expect(frame).toContain("1 muted");
    expect(frame).not.toMatch(/CRITICAL\s+Ann Martin/);
  });

  it("without actions is read-only: no ack or resolve, and says so", async () => {
    const instance = await mount();
    const frame = await frameWith(instance, "q quit");
    expect(frame).toContain("read-only");
    expect(frame).not.toContain("a ack");
    expect(frame).toContain("m mute");
    await type(instance, "a");
    await frameWith(instance, "a is off: read-only");
  });

  it("--readonly hides the action keys even with actions", async () => {
    const instance = await mount({ readonly: true, actions: recordingActions().actions });
    const frame = await frameWith(instance, "q quit");
    expect(frame).toContain("read-only (--readonly): a, r and m are off");
    expect(frame).not.toContain("a ack");
    expect(frame).not.toContain("m mute");
    await type(instance, "m");
    await frameWith(instance, "m is off");
  });

  it("acks the selected alert with the reason typed", async () => {
    const { actions, calls } = recordingActions();
    const instance = await mount({ actions });
    const frame = await frameWith(instance, "a ack  r resolve");
    expect(frame).not.toContain("read-only");
    await type(instance, "j");
    await frameWhere(instance, (f) => detail(f, "alert id") === "alert-2");
    await type(instance, "a");
    await frameWith(instance, "ack Bob Durand: reason?");
    instance.stdin.write(KEY.enter);
    await frameWith(instance, "a reason is needed to ack an alert");
    await type(instance, "seen by patrol");
    await frameWith(instance, "seen by patrol");
    instance.stdin.write(KEY.enter);
    await frameWith(instance, "acked Bob Durand's alert");
    expect(calls).toEqual([["ack", "alert-2", "seen by patrol"]]);
  });

  it("shows a failed action as an error", async () => {
    const { actions } = recordingActions(new Error("store unreachable"));
    const instance = await mount({ actions });
    await frameWith(instance, "Ann Martin");
    await type(instance, "rdone");
    instance.stdin.write(KEY.enter);
    await frameWith(instance, "resolve failed: store unreachable");
  });

  it("renders only the visible window of thousands of alerts", async () => {
    const many = Array.from({ length: 5000 }, (_, i) => alert(i + 1, `Citizen ${i + 1}`));
    const instance = await mount({ alerts: many, size: { rows: 30, columns: 100 } });
    const frame = await frameWith(instance, "5,000 alerts");
    expect(frame.split("\n").length).toBeLessThanOrEqual(29);
    expect(frame).toContain("Citizen 1 ");
    expect(frame).not.toContain("Citizen 100 ");
    instance.stdin.write("\u001B[6~"); // PgDn
    // A page is the 11 rows that fit in 30 lines beside the header, footer and detail pane.
    const next = await frameWhere(instance, (f) => detail(f, "alert id") === "alert-12");
    expect(next).not.toContain("Citizen 1 ");
    expect(next).toContain("Citizen 22 ");
    expect(next).not.toContain("Citizen 23 ");
  });

  it("shows every key with ? and quits with q", async () => {
    let quits = 0;
    const instance = await mount({ onQuit: () => quits++ });
    await frameWith(instance, "Ann Martin");
    await type(instance, "?");
    await frameWith(instance, "pause / resume applying new alerts");
    await type(instance, "q");
    await until(() => quits === 1, "onQuit");
  });
});

function recordingActions(failure?: Error): { actions: AlertActions; calls: unknown[][] } {
  const calls: unknown[][] = [];
  const settle = () => (failure ? Promise.reject(failure) : Promise.resolve());
  return {
    calls,
    actions: {
      ack: (alertId, reason) => {
        calls.push(["ack", alertId, reason]);
        return settle();
      },
      resolve: (alertId, reason) => {
        calls.push(["resolve", alertId, reason]);
        return settle();
      },
      mute: (citizen, untilMs) => {
        calls.push(["mute", citizen, untilMs]);
        return settle();
      },
    },
  };
}
