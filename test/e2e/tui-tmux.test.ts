import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, finished, freshDataDir, ndjson, runPw, startPw } from "./pw.js";

/**
 * Smoke tests of the terminal UIs through the real binary in a real terminal:
 * tmux runs the command in a 160×45 pane, keys go in with send-keys, and what an
 * operator would see comes out of capture-pane.
 */

const dataDir = freshDataDir("tui");
const env = { PW_DATA_DIR: dataDir };
const sessions: string[] = [];
const children: ChildProcess[] = [];

function tmux(...args: string[]): string {
  return execFileSync("tmux", args, { encoding: "utf8" });
}

/**
 * Starts `command` (a shell command line) in a new detached tmux session. The
 * pane stays after the command ends, so its exit and last screen can be checked.
 * CI is unset because in CI the console deliberately prints NDJSON instead.
 */
function startInTmux(label: string, command: string): string {
  const session = `pw-e2e-${label}-${process.pid}-${Date.now()}`;
  tmux(
    "new-session",
    "-d",
    "-s",
    session,
    "-x",
    "160",
    "-y",
    "45",
    `env -u CI PW_DATA_DIR='${dataDir}' ${command}`,
  );
  sessions.push(session);
  tmux("set-option", "-t", session, "remain-on-exit", "on");
  return session;
}

const capture = (session: string) => tmux("capture-pane", "-p", "-t", session);
const paneDead = (session: string) =>
  tmux("display-message", "-p", "-t", session, "#{pane_dead}").trim() === "1";

/** Polls `probe` every 100 ms until it returns something truthy; fails after `timeoutMs`. */
async function waitFor<T>(
  what: string,
  probe: () => T | undefined | null | false,
  timeoutMs: number,
  describeLast: () => string = () => "",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${describeLast()}`);
    }
    await sleep(100);
  }
}

const ALERT_ROW = /^\d\d:\d\d:\d\d\s+(CRITICAL|HIGH|MEDIUM|LOW)\s+(\S+ \S+)/m;

beforeAll(() => {
  // A clear message rather than a cryptic spawn error when tmux is missing.
  execFileSync("tmux", ["-V"]);
});

afterAll(() => {
  for (const session of sessions) {
    try {
      tmux("kill-session", "-t", session);
    } catch {
      // Already gone: the command ended and the session with it.
    }
  }
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

describe("pw alerts --watch", () => {
  it("shows alerts as they are raised, and q restores the terminal", async () => {
    const exitFile = join(dataDir, "watch.exit");
    const session = startInTmux(
      "watch",
      `sh -c 'node ${BIN} alerts --watch; echo EXIT=$? > ${exitFile}'`,
    );
    await waitFor(
      "the console's header",
      () => capture(session).includes("pw alerts · live"),
      20_000,
      () => capture(session),
    );

    // Piped, the same flag prints NDJSON alert events.
    const piped = startPw(["alerts", "--watch"], env);
    children.push(piped);
    const pipedRun = finished(piped, undefined, 120_000);

    const consumers = startPw(["run"], env);
    children.push(consumers);
    // The consumer prints each alert as it raises it: the moment of the first one.
    let firstAlertRaisedAt: number | undefined;
    consumers.stdout?.on("data", () => {
      firstAlertRaisedAt ??= Date.now();
    });

    const ingestStart = Date.now();
    const feed = spawn(
      "sh",
      [
        "-c",
        `node ${BIN} simulate --count 3000 --seed 4 --agitated-ratio 0.05 | node ${BIN} ingest -`,
      ],
      { env: { ...process.env, ...env }, stdio: "ignore" },
    );
    children.push(feed);

    const screen = await waitFor(
      "an alert row",
      () => {
        const text = capture(session);
        return ALERT_ROW.test(text) && /backlog alerts \d/.test(text) && text;
      },
      60_000,
      () => capture(session),
    );
    const shownAt = Date.now();
    const sinceRaised = firstAlertRaisedAt === undefined ? "?" : shownAt - firstAlertRaisedAt;
    process.stderr.write(
      `tui-tmux: first alert on screen ${shownAt - ingestStart} ms after ingest started, ${sinceRaised} ms after the consumer raised it\n`,
    );
    expect(screen).toContain("● ok");

    // Filter on the citizen of the top row: the header says how many match.
    const citizen = ALERT_ROW.exec(screen)?.[2] ?? "";
    tmux("send-keys", "-t", session, "/");
    tmux("send-keys", "-t", session, "-l", citizen);
    tmux("send-keys", "-t", session, "Enter");
    await waitFor(
      "the filter to apply",
      () => new RegExp(`\\d+ of \\d+ alerts match /${citizen}/`).test(capture(session)),
      10_000,
      () => capture(session),
    );
    process.stderr.write(`tui-tmux: pw alerts --watch screen:\n${capture(session)}\n`);

    tmux("send-keys", "-t", session, "q");
    await waitFor(
      "the console to exit",
      () => paneDead(session),
      10_000,
      () => capture(session),
    );
    expect(readFileSync(exitFile, "utf8").trim()).toBe("EXIT=0");
    // Back on the normal screen: none of the UI is left behind.
    const after = capture(session);
    expect(after).not.toContain("pw alerts · live");
    expect(after).not.toMatch(ALERT_ROW);

    await waitFor("the feed to finish", () => feed.exitCode !== null, 60_000);
    expect(feed.exitCode).toBe(0);
    piped.kill("SIGINT");
    const pipedOut = await pipedRun;
    expect(pipedOut.code).toBe(0);
    const events = ndjson<Record<string, unknown>>(pipedOut.stdout);
    expect(events.length).toBeGreaterThan(0);
    expect(events[0]).toMatchObject({
      event: expect.stringMatching(/^(opened|updated)$/),
      causedBy: expect.any(String),
      alertId: expect.any(String),
      citizen: expect.any(String),
      lastLocation: { lat: expect.any(Number), lon: expect.any(Number) },
    });
  });
});

describe("pw dashboard", () => {
  it("draws every panel, and q quits with exit code 0", async () => {
    const exitFile = join(dataDir, "dashboard.exit");
    // NCURSES_NO_UTF8_ACS: box lines as Unicode, so capture-pane shows them as lines.
    const session = startInTmux(
      "dashboard",
      `sh -c 'NCURSES_NO_UTF8_ACS=1 node ${BIN} dashboard --refresh 1s; echo EXIT=$? > ${exitFile}'`,
    );
    const titles = [
      "Alert positions",
      "Average score",
      "Average crowd size",
      "Top agitated citizens",
      "Alert rate",
      "Latest alerts",
    ];
    const screen = await waitFor(
      "every panel",
      () => {
        const text = capture(session);
        // A refresh after the first draw: the alert rate sparkline has its first bars.
        const refreshed = /updated \d\d:\d\d:\d\d/.test(text) && /[▁▂▃▄▅▆▇█]/.test(text);
        return titles.every((t) => text.includes(t)) && refreshed && text;
      },
      30_000,
      () => capture(session),
    );
    // The latest alerts table holds rows from the store.
    expect(screen).toMatch(/\d\d:\d\d:\d\d\s+(critical|high|medium|low)\s+\S/);
    process.stderr.write(`tui-tmux: pw dashboard screen:\n${screen}\n`);

    tmux("send-keys", "-t", session, "q");
    await waitFor(
      "the exit code",
      () => existsSync(exitFile),
      10_000,
      () => capture(session),
    );
    expect(readFileSync(exitFile, "utf8").trim()).toBe("EXIT=0");
    await waitFor("the pane to close", () => paneDead(session), 10_000);
    expect(capture(session)).not.toContain("Alert positions");
  });

  it("refuses to run without a terminal", async () => {
    const run = await runPw(["dashboard"], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("pw dashboard needs a terminal");
  });
});
