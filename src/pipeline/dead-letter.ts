import type { OutgoingMessage } from "../backends/stream/types.js";
import { describeProblems, type FieldProblem } from "../domain/errors.js";

/** What pw writes to `reports-dlq` for every input it could not accept. */
export interface DeadLetter {
  /** Where the input came from: a file path, "stdin", "http", or a topic. */
  source: string;
  /** 1-based line (or CSV record) number in the source, when it has lines. */
  line?: number;
  reason: string;
  problems: FieldProblem[];
  /** The input itself, cut to a bounded size. */
  input: string;
  inputBytes: number;
  truncated: boolean;
  at: string;
}

const MAX_KEPT_INPUT = 64 * 1024;

export function deadLetter(
  source: string,
  line: number | undefined,
  problems: FieldProblem[],
  input: string,
  now: number,
): DeadLetter {
  const inputBytes = Buffer.byteLength(input, "utf8");
  const truncated = input.length > MAX_KEPT_INPUT;
  return {
    source,
    ...(line === undefined ? {} : { line }),
    reason: describeProblems(problems),
    problems,
    input: truncated ? input.slice(0, MAX_KEPT_INPUT) : input,
    inputBytes,
    truncated,
    at: new Date(now).toISOString(),
  };
}

/**
 * The reports-dlq message for one rejected line of input, keyed and tagged by
 * its source and line, as `pw dead-letters` reads it back.
 */
export function deadLetterMessage(
  source: string,
  line: number,
  problems: FieldProblem[],
  input: string,
  now: number,
): OutgoingMessage {
  return {
    key: source,
    value: JSON.stringify(deadLetter(source, line, problems, input, now)),
    properties: { source, line: String(line) },
  };
}
