/**
 * The one error family of pw. Every expected failure is a PwError with a stable
 * `code` and the process exit code it maps to; the CLI's error handler is the only
 * place that turns them into a message and an exit status.
 */
export class PwError extends Error {
  readonly code: string;
  readonly exitCode: number;
  /** True when trying the same thing again later may succeed (network, busy backend). */
  readonly retriable: boolean;

  constructor(
    message: string,
    options: { code: string; exitCode?: number; retriable?: boolean; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.exitCode = options.exitCode ?? 1;
    this.retriable = options.retriable ?? false;
  }
}

/** A flag, argument or config value the user gave is unusable. */
export class UsageError extends PwError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: "USAGE", exitCode: 2, cause });
  }
}

/** One problem in one field of a report: `path` is a JSON path such as `citizens[0].score`. */
export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

/** A report (or a line of input) that cannot be accepted. */
export class InvalidReportError extends PwError {
  readonly problems: readonly FieldProblem[];

  constructor(problems: readonly FieldProblem[]) {
    super(describeProblems(problems), { code: "INVALID_REPORT", exitCode: 3 });
    this.problems = problems;
  }
}

/** Input that was read but contained bad lines while --strict was set. */
export class RejectedInputError extends PwError {
  constructor(message: string) {
    super(message, { code: "REJECTED_INPUT", exitCode: 3 });
  }
}

/** A backend (stream or store) failed. */
export class BackendError extends PwError {
  constructor(message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, { code: "BACKEND", exitCode: 4, ...options });
  }
}

export function describeProblems(problems: readonly FieldProblem[]): string {
  return problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join("; ");
}
