import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BackendError, UsageError } from "../domain/errors.js";
import { diskProblem, storageError } from "./storage-errors.js";

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe("diskProblem", () => {
  it("recognises a full disk from fs, SQLite and DuckDB errors", () => {
    expect(diskProblem(withCode("ENOSPC: no space left on device, write", "ENOSPC"))).toBe(
      "the disk is full",
    );
    expect(diskProblem(withCode("database or disk is full", "SQLITE_FULL"))).toBe(
      "the disk is full",
    );
    expect(
      diskProblem(new Error('IO Error: Could not write file "x.parquet": No space left on device')),
    ).toBe("the disk is full");
  });

  it("recognises a read-only file system and a refused permission", () => {
    expect(diskProblem(withCode("EROFS: read-only file system, open 'x'", "EROFS"))).toBe(
      "the file system is read-only",
    );
    expect(
      diskProblem(withCode("attempt to write a readonly database", "SQLITE_READONLY_DBMOVED")),
    ).toBe("the file system is read-only");
    expect(diskProblem(withCode("EACCES: permission denied", "EACCES"))).toBe("permission denied");
  });

  it("leaves other failures alone", () => {
    expect(diskProblem(new TypeError("x is undefined"))).toBeUndefined();
    expect(diskProblem(withCode("UNIQUE constraint failed", "SQLITE_CONSTRAINT"))).toBeUndefined();
  });
});

describe("storageError", () => {
  it("names the directory and the cause in one line, as a backend failure (exit 4)", () => {
    const error = storageError(
      withCode("database or disk is full", "SQLITE_FULL"),
      "append to topic reports",
      "/data/pw/stream",
    );
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).exitCode).toBe(4);
    expect((error as Error).message).toBe(
      "cannot append to topic reports in /data/pw/stream: the disk is full (SQLITE_FULL); fix that and run the command again (what was committed before is kept)",
    );
  });

  it("returns a defect, or an error that is already a PwError, unchanged", () => {
    const dir = mkdtempSync(join(tmpdir(), "pw-storage-errors-"));
    try {
      const defect = new TypeError("x is undefined");
      expect(storageError(defect, "write reports", dir)).toBe(defect);
      const usage = new UsageError("bad flag");
      expect(storageError(usage, "write reports", dir)).toBe(usage);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("probes the directory when the error does not say why", () => {
    const error = storageError(
      withCode("unable to open database file", "SQLITE_CANTOPEN"),
      "open the embedded store",
      "/nonexistent/pw/store",
    );
    // A missing directory is not a disk problem: the error stays as it was.
    expect(error).not.toBeInstanceOf(BackendError);
  });
});
