/**
 * Whether a full-screen UI can run: both ends are a terminal and no CI system
 * is capturing the output (where ink would print only the last frame).
 */
export function isInteractiveTerminal(
  stdin: { isTTY?: boolean },
  stdout: { isTTY?: boolean },
  env: NodeJS.ProcessEnv,
): boolean {
  const inCi = env.CI !== undefined && env.CI !== "" && env.CI !== "0" && env.CI !== "false";
  return Boolean(stdin.isTTY) && Boolean(stdout.isTTY) && !inCi;
}

/** Switches to the terminal's alternate screen, as full-screen programs do. */
export const ENTER_ALTERNATE_SCREEN = "\u001b[?1049h";
/** Back to the normal screen, exactly as it was before the UI started. */
export const LEAVE_ALTERNATE_SCREEN = "\u001b[?1049l";
