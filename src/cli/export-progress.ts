/**
 * Progress and ETA of an export on stderr, redrawn at most every 250 ms, and
 * only on a terminal: logs and pipes stay clean.
 */
export function exportProgress(
  total: number,
  alreadyDone: number | undefined,
  err: NodeJS.WriteStream = process.stderr,
): { tick: () => void; done: (count: number) => void } | undefined {
  if (!err.isTTY) return undefined;
  const started = Date.now();
  let rows = 0;
  let drawn = 0;
  const draw = () => {
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? rows / seconds : 0;
    const known = alreadyDone !== undefined;
    const left = known ? Math.max(0, total - rows) : undefined;
    const eta = left !== undefined && rate > 0 ? `, ETA ${formatSeconds(left / rate)}` : "";
    const of = known ? ` of ${total}` : "";
    err.write(`\r${rows}${of} rows, ${Math.round(rate)} rows/s${eta}\x1b[K`);
  };
  return {
    tick: () => {
      rows++;
      if (Date.now() - drawn >= 250) {
        drawn = Date.now();
        draw();
      }
    },
    done: () => err.write("\r\x1b[K"),
  };
}

function formatSeconds(s: number): string {
  if (s < 60) return `${Math.ceil(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.ceil(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
