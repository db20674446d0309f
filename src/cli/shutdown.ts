/**
 * An AbortSignal that fires on the first SIGINT or SIGTERM so long-running
 * commands can finish their batch and close cleanly; a second signal is left to
 * Node's default handling, which ends the process at once.
 */
export function shutdownSignal(): AbortSignal {
  const controller = new AbortController();
  const stop = () => {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    controller.abort();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  return controller.signal;
}
