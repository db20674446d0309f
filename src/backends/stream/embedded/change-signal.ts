import { closeSync, type FSWatcher, openSync, watch, writeSync } from "node:fs";
import { basename, dirname } from "node:path";

/**
 * Cross-process "something was committed" signal for the embedded log.
 *
 * Writers touch a small signal file *after* each commit; waiters watch it with
 * inotify (fs.watch), so a consumer in another process wakes within a millisecond
 * or so. Watching the SQLite WAL itself would race: its write event can arrive
 * before the commit is visible in the shared-memory index, and mmap writes raise
 * no event at all. A slow fallback poll covers a lost event.
 */
export class ChangeSignal {
  private readonly fd: number;
  private readonly fileName: string;
  private watcher: FSWatcher | undefined;
  private readonly waiters = new Set<() => void>();
  private readonly byte = Buffer.from([0]);

  constructor(
    private readonly path: string,
    private readonly fallbackPollMs = 200,
  ) {
    this.fd = openSync(path, "a+");
    this.fileName = basename(path);
  }

  /** Tells every waiter, in this process and others, that new state is committed. */
  raise(): void {
    writeSync(this.fd, this.byte, 0, 1, 0);
    this.wakeAll();
  }

  /** Resolves on the next signal, after `timeoutMs`, or when `signal` aborts. */
  wait(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    this.ensureWatching();
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, Math.min(timeoutMs, this.fallbackPollMs)));
      signal?.addEventListener("abort", done, { once: true });
      this.waiters.add(done);
    });
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
    this.wakeAll();
    closeSync(this.fd);
  }

  private ensureWatching(): void {
    if (this.watcher) return;
    // Watch the directory, not the file: it survives the file being replaced.
    this.watcher = watch(dirname(this.path), { persistent: false }, (_event, name) => {
      if (name === null || name === this.fileName) this.wakeAll();
    });
  }

  private wakeAll(): void {
    for (const wake of [...this.waiters]) wake();
  }
}
