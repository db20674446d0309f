import { describe, expect, it } from "vitest";
import { BackendError } from "../../../domain/errors.js";
import type { Report } from "../../../domain/report.js";
import type { ArchivedReport } from "../types.js";
import type { BulkItemResult } from "./bulk-body.js";
import { DEFAULT_BULK_TUNING } from "./config.js";
import { reportDocument } from "./documents.js";
import { indexLayout } from "./index-layout.js";
import { ReportWriter } from "./report-writer.js";

interface Op {
  action: string;
  index: string;
  id: string;
  source?: Record<string, unknown>;
}

function parse(lines: readonly string[]): Op[] {
  return lines.map((line) => {
    const [meta, source] = line.trim().split("\n");
    const [action, { _index, _id }] = Object.entries(JSON.parse(meta!))[0] as [
      string,
      { _index: string; _id: string },
    ];
    return { action, index: _index, id: _id, ...(source && { source: JSON.parse(source) }) };
  });
}

function report(id: string, citizens: [string, number][], ts = "2026-11-26T10:00:00Z"): Report {
  return {
    reportId: id,
    droneId: "d1",
    ts,
    location: { lat: 1, lon: 2 },
    citizens: citizens.map(([name, score]) => ({ name, score })),
    words: [],
  };
}
const archive = (r: Report): ArchivedReport => ({
  report: r,
  raw: JSON.stringify(r),
  receivedAt: 0,
});

/** A fake cluster: `answer` decides each operation's status; every call is recorded. */
function fakeCluster(answer: (op: Op) => BulkItemResult, stored: Record<string, Report> = {}) {
  const calls: { what: string; ops: Op[] }[] = [];
  const bulk = {
    write: async (lines: readonly string[], what: string) => {
      const ops = parse(lines);
      calls.push({ what, ops });
      return ops.map(answer);
    },
  };
  const http = {
    request: async <T>(request: { path: string; body?: unknown }) => {
      expect(request.path).toBe("/_mget");
      const docs = (request.body as { docs: { _id: string }[] }).docs.map(({ _id }) => {
        const r = stored[_id];
        return r
          ? { _id, found: true, _source: reportDocument(archive(r), Date.parse(r.ts)) }
          : { _id, found: false };
      });
      return { status: 200, body: { docs } as T };
    },
  };
  const writer = new ReportWriter(indexLayout("pw-"), http, bulk, DEFAULT_BULK_TUNING);
  return { writer, calls };
}

describe("ReportWriter", () => {
  it("writes reports with their sightings in one request and counts what happened", async () => {
    const { writer, calls } = fakeCluster(() => ({ status: 201 }));
    const result = await writer.write([
      archive(
        report("a", [
          ["Ann", 1],
          ["Bob", 5],
        ]),
      ),
      archive(report("a", [["Other", 9]])), // repeated in the batch: the first wins
      archive(report("late", [], "2026-11-27T00:00:00Z")),
    ]);
    expect(result).toEqual({ stored: 2, duplicates: 1, rejected: [] });
    expect(calls).toHaveLength(1);
    expect(
      calls[0]!.ops.map((o) => `${o.action} ${o.index}/${o.id} ${o.source?.name ?? ""}`),
    ).toEqual([
      "create pw-reports-2026.11.26/a ",
      "index pw-sightings-2026.11.26/a:0 Ann",
      "index pw-sightings-2026.11.26/a:1 Bob",
      "create pw-reports-2026.11.27/late ",
    ]);
  });

  it("refuses a report OpenSearch refuses and deletes the sightings written with it", async () => {
    const { writer, calls } = fakeCluster((op) =>
      op.action === "create" && op.id === "bad"
        ? { status: 400, error: { type: "mapper_parsing_exception", reason: "no" } }
        : { status: op.action === "delete" ? 200 : 201 },
    );
    const result = await writer.write([
      archive(
        report("bad", [
          ["Cid", 3],
          ["Dee", 4],
        ]),
      ),
      archive(report("ok", [["Eve", 5]])),
    ]);
    expect(result).toEqual({
      stored: 1,
      duplicates: 0,
      rejected: [{ reportId: "bad", reason: "mapper_parsing_exception: no" }],
    });
    expect(calls.map((c) => c.what)).toEqual([
      "writing reports",
      "making sightings agree with their reports",
    ]);
    expect(calls[1]!.ops.map((o) => `${o.action} ${o.id}`)).toEqual([
      "delete bad:0",
      "delete bad:1",
    ]);
  });

  it("leaves a redelivered duplicate alone, and rebuilds the sightings of a reused id from what is stored", async () => {
    const stored = {
      same: report("same", [["Ann", 1]]),
      reused: report("reused", [["Zed", 4]]),
    };
    const { writer, calls } = fakeCluster(
      (op) => ({ status: op.action === "create" ? 409 : 200 }),
      stored,
    );
    const result = await writer.write([
      archive(stored.same),
      archive(
        report("reused", [
          ["Not", 1],
          ["Stored", 2],
        ]),
      ),
    ]);
    expect(result).toEqual({ stored: 0, duplicates: 2, rejected: [] });
    expect(calls.map((c) => c.what)).toEqual([
      "writing reports",
      "making sightings agree with their reports",
    ]);
    expect(calls[1]!.ops.map((o) => `${o.action} ${o.id} ${o.source?.name ?? ""}`)).toEqual([
      "index reused:0 Zed",
      "delete reused:1 ",
    ]);
  });

  it("takes a report out again when one of its sightings is refused", async () => {
    const { writer, calls } = fakeCluster((op) => {
      if (op.action === "delete") return { status: op.id === "b:0" ? 404 : 200 };
      if (op.id === "b:0")
        return { status: 400, error: { type: "illegal_argument_exception", reason: "odd" } };
      return { status: 201 };
    });
    const result = await writer.write([
      archive(report("a", [["Ann", 1]])),
      archive(
        report("b", [
          ["X", 1],
          ["Y", 2],
        ]),
      ),
    ]);
    expect(result).toEqual({
      stored: 1,
      duplicates: 0,
      rejected: [
        { reportId: "b", reason: "a sighting was refused: illegal_argument_exception: odd" },
      ],
    });
    expect(calls[1]!.ops.map((o) => `${o.action} ${o.index}/${o.id}`)).toEqual([
      "delete pw-reports-2026.11.26/b",
      "delete pw-sightings-2026.11.26/b:0",
      "delete pw-sightings-2026.11.26/b:1",
    ]);
  });

  it("refuses a report whose time is no instant without sending it", async () => {
    const { writer, calls } = fakeCluster(() => ({ status: 201 }));
    const result = await writer.write([archive(report("leap", [], "2026-12-31T23:59:60Z"))]);
    expect(result).toEqual({
      stored: 0,
      duplicates: 0,
      rejected: [{ reportId: "leap", reason: 'ts "2026-12-31T23:59:60Z" is not a valid instant' }],
    });
    expect(calls).toEqual([]);
  });

  it("throws, rather than dead-letters, a failure that is not the report's fault", async () => {
    const { writer } = fakeCluster(() => ({
      status: 404,
      error: { type: "index_not_found_exception", reason: "no such index and auto-create is off" },
    }));
    const error = await writer.write([archive(report("a", []))]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).retriable).toBe(false);
    expect((error as Error).message).toMatch(/HTTP 404.*index_not_found_exception/);
  });
});
