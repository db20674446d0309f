import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../src/backends/store/types.js";
import { defaultRuleSet } from "../../src/domain/alert-rules.js";
import { AlertTracker } from "../../src/domain/alert-tracker.js";
import { geohash, geohashCell } from "../../src/domain/geohash.js";
import type { Report } from "../../src/domain/report.js";

const centre = (cell: string) => {
  const { lat, lon } = geohashCell(cell);
  return { lat, lon };
};

const HOUR = 3_600_000;
const T0 = Date.parse("2026-03-01T00:00:00Z");

function report(
  id: string,
  hour: number,
  drone: string,
  citizens: [string, number][],
  at: { lat: number; lon: number } = { lat: 48.85, lon: 2.35 },
): Report {
  return {
    reportId: id,
    droneId: drone,
    ts: new Date(T0 + hour * HOUR).toISOString(),
    location: at,
    citizens: citizens.map(([name, score]) => ({ name, score })),
    words: ["calm", "market"],
  };
}

/**
 * A small data set whose answers are worked out by hand in the tests below.
 * Hours 0 and 1 on 2026-03-01, hour 25 on the next day (a second partition).
 */
const DATA: Report[] = [
  report("a", 0, "d1", [
    ["Ann", 1],
    ["Bob", 5],
  ]),
  report("b", 0.5, "d2", [["Ann", 0.5]], { lat: 40.7, lon: -74 }),
  report("c", 1, "d1", [
    ["Bob", 1.5],
    ["Cid", 9],
    ["Dee", 7],
  ]),
  report("d", 1.5, "d1", []),
  report("e", 25, "d2", [["Ann", 8]]),
];

const archived = (r: Report, raw = JSON.stringify(r)) => ({ report: r, raw, receivedAt: T0 });

/** The contract every Store implementation passes, against the real engine. */
export function describeStoreContract(name: string, open: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await open();
      // Unknown fields and the original offset must survive.
      const withExtras = { ...DATA[0]!, ts: "2026-03-01T01:00:00+01:00", mood: "tense" };
      const first = await store.writeReports([
        archived(DATA[0]!, JSON.stringify(withExtras)),
        ...DATA.slice(1, 3).map((r) => archived(r)),
      ]);
      expect(first).toEqual({ stored: 3, duplicates: 0, rejected: [] });
    });
    afterAll(async () => {
      await store.close();
    });

    it("stores a redelivered or repeated report once", async () => {
      const again = await store.writeReports([
        archived(DATA[2]!),
        ...DATA.slice(3).map((r) => archived(r)),
        archived(DATA[4]!),
      ]);
      expect(again).toEqual({ stored: 2, duplicates: 2, rejected: [] });
      expect(await store.counts()).toMatchObject({ reports: 5, sightings: 7 });
    });

    it("is durable: another client of the same store sees every report", async () => {
      const other = await open();
      expect((await other.counts()).reports).toBe(5);
      await other.close();
    });

    it("streams reports back oldest first, exactly as received", async () => {
      const got: Report[] = [];
      for await (const r of store.reports({})) got.push(r);
      expect(got.map((r) => r.reportId)).toEqual(["a", "b", "c", "d", "e"]);
      expect(got[0]).toMatchObject({ ts: "2026-03-01T01:00:00+01:00", mood: "tense" });
    });

    it("filters reports by time, drone, citizen and distance", async () => {
      const ids = async (filter: Parameters<Store["reports"]>[0]) => {
        const out: string[] = [];
        for await (const r of store.reports(filter)) out.push(r.reportId);
        return out;
      };
      expect(await ids({ since: T0 + HOUR, until: T0 + 2 * HOUR })).toEqual(["c", "d"]);
      expect(await ids({ drone: "d2" })).toEqual(["b", "e"]);
      expect(await ids({ citizen: "Bob" })).toEqual(["a", "c"]);
      expect(await ids({ near: { lat: 40.71, lon: -74.01, km: 5 } })).toEqual(["b"]);
      expect(await ids({ limit: 2 })).toEqual(["a", "b"]);
    });

    it("ranks the citizens most often seen agitated", async () => {
      const top = await store.topAgitated({ threshold: 2, limit: 10 });
      expect(top).toEqual([
        {
          citizen: "Ann",
          agitatedSightings: 2,
          sightings: 3,
          minScore: 0.5,
          avgScore: (1 + 0.5 + 8) / 3,
          lastSeen: new Date(T0 + 25 * HOUR).toISOString(),
        },
        {
          citizen: "Bob",
          agitatedSightings: 1,
          sightings: 2,
          minScore: 1.5,
          avgScore: 3.25,
          lastSeen: new Date(T0 + HOUR).toISOString(),
        },
      ]);
      expect(await store.topAgitated({ threshold: 2, limit: 1, since: T0 + HOUR })).toEqual([
        expect.objectContaining({ citizen: "Bob", agitatedSightings: 1, sightings: 1 }),
      ]);
    });

    it("answers score, crowd and agitated trends per interval", async () => {
      const iso = (h: number) => new Date(T0 + h * HOUR).toISOString();
      const intervalMs = HOUR;
      expect(await store.scoreTrend({ intervalMs })).toEqual([
        { bucket: iso(0), sightings: 3, avgScore: (1 + 5 + 0.5) / 3, minScore: 0.5 },
        { bucket: iso(1), sightings: 3, avgScore: (1.5 + 9 + 7) / 3, minScore: 1.5 },
        { bucket: iso(25), sightings: 1, avgScore: 8, minScore: 8 },
      ]);
      expect(await store.crowdTrend({ intervalMs, until: T0 + 2 * HOUR })).toEqual([
        { bucket: iso(0), reports: 2, avgCitizens: 1.5 },
        { bucket: iso(1), reports: 2, avgCitizens: 1.5 },
      ]);
      expect(await store.agitatedTrend({ intervalMs: 24 * HOUR, threshold: 2 })).toEqual([
        { bucket: iso(0), reports: 4, agitatedSightings: 3, avgAgitated: 0.75 },
        { bucket: iso(24), reports: 1, agitatedSightings: 0, avgAgitated: 0 },
      ]);
    });

    it("records alert events idempotently and restores the open ones", async () => {
      const tracker = new AlertTracker({ ...defaultRuleSet(), cooldownMs: HOUR });
      const events = DATA.flatMap((r) => tracker.observe(r, T0 + 1));
      expect(events.map((e) => e.event)).toEqual(["opened", "updated", "opened"]);
      await store.recordAlertEvents(events);
      await store.recordAlertEvents(events.slice(0, 1)); // a redelivery: must not roll back
      const alerts = await store.listAlerts({});
      expect(alerts.map((a) => [a.citizen, a.occurrences]).sort()).toEqual([
        ["Ann", 2],
        ["Bob", 1],
      ]);
      expect([...(await store.alertedReports(["a", "b", "c", "d", "zzz"]))].sort()).toEqual([
        "a",
        "b",
        "c",
      ]);
      const open = await store.recentOpenAlerts(10 * 60_000);
      expect(open.map((a) => a.citizen)).toEqual(["Bob"]);
      expect((await store.counts()).alerts).toEqual({ open: 2, acked: 0, resolved: 0 });
    });

    it("counts matching reports and resumes an export after a given report", async () => {
      expect(await store.countReports({})).toBe(5);
      expect(await store.countReports({ drone: "d2" })).toBe(2);
      expect(await store.countReports({ since: T0 + HOUR })).toBe(3);
      const after: string[] = [];
      const b = DATA[1]!;
      for await (const r of store.reports({ after: { ts: b.ts, reportId: b.reportId } }))
        after.push(r.reportId);
      expect(after).toEqual(["c", "d", "e"]);
    });

    it("finds the hotspots: agitated sightings per geohash cell", async () => {
      const paris = geohash(48.85, 2.35, 5);
      const newYork = geohash(40.7, -74, 5);
      expect(await store.hotspots({ precision: 5, threshold: 2, limit: 10 })).toEqual([
        { cell: paris, ...centre(paris), agitatedSightings: 2, sightings: 6 },
        { cell: newYork, ...centre(newYork), agitatedSightings: 1, sightings: 1 },
      ]);
    });

    it("compares words heard near agitation with all reports (count and lift)", async () => {
      // a, b and c carry an agitated citizen; every report heard "calm market".
      expect(
        await store.words({ threshold: 2, limit: 10, minAgitatedReports: 1, sort: "lift" }),
      ).toEqual([
        { word: "calm", agitatedReports: 3, reports: 5, lift: 1 },
        { word: "market", agitatedReports: 3, reports: 5, lift: 1 },
      ]);
      expect(
        await store.words({ threshold: 2, limit: 10, minAgitatedReports: 4, sort: "count" }),
      ).toEqual([]);
    });

    it("gives a citizen's timeline and a drone's path with its gaps", async () => {
      const iso = (h: number) => new Date(T0 + h * HOUR).toISOString();
      expect(await store.citizenSightings("Ann", {})).toEqual([
        { ts: iso(0), score: 1, droneId: "d1", lat: 48.85, lon: 2.35, reportId: "a" },
        { ts: iso(0.5), score: 0.5, droneId: "d2", lat: 40.7, lon: -74, reportId: "b" },
        { ts: iso(25), score: 8, droneId: "d2", lat: 48.85, lon: 2.35, reportId: "e" },
      ]);
      const path = await store.droneReports("d1", {});
      expect(path.map((p) => [p.ts, p.citizens, p.gapSeconds, p.battery])).toEqual([
        [iso(0), 2, null, null],
        [iso(1), 3, 3600, null],
        [iso(1.5), 0, 1800, null],
      ]);
    });

    it("counts reports per drone per interval and finds the silent drones", async () => {
      const iso = (h: number) => new Date(T0 + h * HOUR).toISOString();
      expect(await store.coverage({ intervalMs: HOUR })).toEqual([
        { droneId: "d1", bucket: iso(0), reports: 1 },
        { droneId: "d1", bucket: iso(1), reports: 2 },
        { droneId: "d2", bucket: iso(0), reports: 1 },
        { droneId: "d2", bucket: iso(25), reports: 1 },
      ]);
      expect(await store.silentDrones({ silentMs: HOUR })).toEqual([
        { droneId: "d1", lastSeen: iso(1.5), silentMinutes: 23.5 * 60 },
      ]);
    });

    it("moves an alert through its lifecycle with an audit trail", async () => {
      const [ann] = (await store.listAlerts({})).filter((a) => a.citizen === "Ann");
      const id = ann!.alertId;
      const acked = await store.changeAlertState(id, "ack", {
        operator: "zoe",
        reason: "patrol sent",
        at: T0 + 2 * HOUR,
      });
      expect(acked).toMatchObject({ alertId: id, state: "acked", occurrences: 2 });
      expect(acked.audit).toEqual([
        {
          at: new Date(T0 + 2 * HOUR).toISOString(),
          operator: "zoe",
          action: "ack",
          reason: "patrol sent",
          from: "open",
          to: "acked",
        },
      ]);
      await expect(
        store.changeAlertState(id, "ack", { operator: "zoe", reason: "again", at: T0 }),
      ).rejects.toThrow(/already acked/);
      const resolved = await store.changeAlertState(id, "resolve", {
        operator: "max",
        reason: "calm again",
        at: T0 + 3 * HOUR,
      });
      expect(resolved.state).toBe("resolved");
      expect(resolved.audit.map((e) => [e.action, e.from, e.to])).toEqual([
        ["ack", "open", "acked"],
        ["resolve", "acked", "resolved"],
      ]);
      expect((await store.getAlert(id))?.state).toBe("resolved");
      expect(await store.getAlert("al_nope")).toBeUndefined();
      await expect(
        store.changeAlertState("al_nope", "ack", { operator: "zoe", reason: "x", at: T0 }),
      ).rejects.toThrow(/no alert al_nope/);
      const changes = await store.alertStateChanges(T0 + 2.5 * HOUR);
      expect(changes).toEqual([{ alertId: id, state: "resolved", changedAt: T0 + 3 * HOUR }]);
      // A redelivered event of the resolved alert must not reopen it.
      const tracker = new AlertTracker({ ...defaultRuleSet(), cooldownMs: HOUR });
      await store.recordAlertEvents(DATA.slice(0, 2).flatMap((r) => tracker.observe(r, T0 + 1)));
      expect((await store.getAlert(id))?.state).toBe("resolved");
      expect((await store.counts()).alerts).toEqual({ open: 1, acked: 0, resolved: 1 });
    });

    // Last: it deletes data the tests above read.
    it("prunes whole old days, dry run first", async () => {
      const cutoff = T0 + 24 * HOUR; // 2026-03-01 ends here; 2026-03-02 holds report "e"
      expect(await store.prune({ beforeMs: cutoff, dryRun: true })).toEqual({
        days: ["2026-03-01"],
        reports: 4,
      });
      expect((await store.counts()).reports).toBe(5);
      expect(await store.prune({ beforeMs: cutoff + HOUR, dryRun: false })).toEqual({
        days: ["2026-03-01"],
        reports: 4,
      });
      const left: string[] = [];
      for await (const r of store.reports({})) left.push(r.reportId);
      expect(left).toEqual(["e"]);
      expect(await store.counts()).toMatchObject({ reports: 1, sightings: 1 });
      expect(await store.prune({ beforeMs: cutoff, dryRun: false })).toEqual({
        days: [],
        reports: 0,
      });
      expect((await store.listAlerts({})).length).toBeGreaterThan(0); // alerts are kept
    });
  });
}
