import { accessSync, constants } from "node:fs";
import { BackendError, PwError } from "../domain/errors.js";

/**
 * What the machine refused when the embedded backends touched their files, in
 * words for the user, or undefined when the failure is not about the disk (then
 * it stays what it is: a defect shows its stack). Node's fs errors carry errno
 * codes, better-sqlite3's carry SQLITE_* codes, DuckDB's only a message.
 */
export function diskProblem(error: unknown): string | undefined {
  const code = String((error as { code?: unknown } | undefined)?.code ?? "");
  const message = error instanceof Error ? error.message : String(error);
  if (
    ["ENOSPC", "EDQUOT", "EFBIG", "SQLITE_FULL"].includes(code) ||
    /no space left|disk is full|quota exceeded|file too large/i.test(message)
  ) {
    return "the disk is full";
  }
  if (
    code === "EROFS" ||
    code.startsWith("SQLITE_READONLY") ||
    /read-only file system|readonly database/i.test(message)
  ) {
    return "the file system is read-only";
  }
  if (code === "EACCES" || code === "EPERM" || /permission denied/i.test(message)) {
    return "permission denied";
  }
  if (code === "EIO" || code.startsWith("SQLITE_IOERR") || /input\/output error/i.test(message)) {
    return "an I/O error (is the disk failing, or full?)";
  }
  return undefined;
}

/**
 * Turns a failure to write or open the files in `dir` into one clear
 * BackendError (exit 4) naming the directory and the cause, e.g. "cannot
 * append to topic reports in /data/pw/stream: the disk is full (SQLITE_FULL)".
 * When the error itself does not say (SQLite's "unable to open database file"),
 * the directory is probed for writability. Anything that is not about the disk
 * is returned unchanged, as are PwErrors.
 */
export function storageError(error: unknown, what: string, dir: string): unknown {
  if (error instanceof PwError) return error;
  const problem = diskProblem(error) ?? diskProblem(writeProbe(dir));
  if (problem === undefined) return error;
  const code = (error as { code?: unknown } | undefined)?.code;
  const detail = typeof code === "string" ? code : (error as Error).message;
  return new BackendError(
    `cannot ${what} in ${dir}: ${problem} (${detail}); fix that and run the command again (what was committed before is kept)`,
    { cause: error },
  );
}

/** The error writing into `dir` would meet, if any. */
function writeProbe(dir: string): unknown {
  try {
    accessSync(dir, constants.W_OK);
    return undefined;
  } catch (error) {
    return error;
  }
}
