import { once } from "node:events";
import type { Writable } from "node:stream";
import chalk from "chalk";
import { UsageError } from "../domain/errors.js";

export const OUTPUT_FORMATS = ["table", "json", "ndjson", "csv"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** --json wins; then --format; otherwise a table for people on a TTY and NDJSON for pipes. */
export function resolveFormat(
  format: string | undefined,
  json: boolean | undefined,
  out: { isTTY?: boolean } = process.stdout,
): OutputFormat {
  if (json) return "json";
  if (format === undefined) return out.isTTY ? "table" : "ndjson";
  if (!(OUTPUT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be one of ${OUTPUT_FORMATS.join(", ")}`);
  }
  return format as OutputFormat;
}

/** Any plain object; columns pick its fields. */
export type Row = object;

const field = (row: Row, column: string): unknown => (row as Record<string, unknown>)[column];

/**
 * Writes rows in the chosen format, streaming where the format allows (all but
 * the table, which needs every row to size its columns) and honouring
 * backpressure so an export of any size runs in constant memory.
 */
export async function writeRows(
  rows: AsyncIterable<Row> | Iterable<Row>,
  columns: readonly string[],
  format: OutputFormat,
  out: Writable = process.stdout,
  onRow?: () => void,
): Promise<number> {
  let count = 0;
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, "drain");
  };
  if (format === "table") {
    const all: Row[] = [];
    for await (const row of rows) {
      all.push(row);
      onRow?.();
    }
    await write(formatTable(all, columns, (out as { columns?: number }).columns));
    return all.length;
  }
  if (format === "csv") await write(`${columns.map(csvField).join(",")}\n`);
  if (format === "json") await write("[");
  for await (const row of rows) {
    if (format === "csv") await write(`${columns.map((c) => csvField(field(row, c))).join(",")}\n`);
    else if (format === "json") await write(`${count === 0 ? "\n" : ",\n"}${JSON.stringify(row)}`);
    else await write(`${JSON.stringify(row)}\n`);
    count++;
    onRow?.();
  }
  if (format === "json") await write(count === 0 ? "]\n" : "\n]\n");
  return count;
}

/** RFC 4180: quote a field holding a comma, quote, CR or LF; double the quotes. */
export function csvField(value: unknown): string {
  const text = cellText(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * An aligned table for people: numbers right-aligned and rounded to 3 decimals,
 * the widest columns cut (with …) until the table fits `maxWidth` characters.
 */
export function formatTable(
  rows: readonly Row[],
  columns: readonly string[],
  maxWidth = Number.POSITIVE_INFINITY,
): string {
  if (rows.length === 0) return `${chalk.dim("(no rows)")}\n`;
  const cells = rows.map((row) => columns.map((c) => cellText(field(row, c), 3)));
  const widths = columns.map((c, i) =>
    Math.min(60, Math.max(c.length, ...cells.map((r) => displayWidth(r[i] ?? "")))),
  );
  const gaps = 2 * (columns.length - 1);
  while (widths.reduce((a, b) => a + b, gaps) > maxWidth) {
    const widest = widths.indexOf(Math.max(...widths));
    if (widths[widest]! <= 8) break;
    widths[widest]!--;
  }
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => {
        const cut = displayWidth(v) > widths[i]! ? `${v.slice(0, widths[i]! - 1)}…` : v;
        const pad = " ".repeat(Math.max(0, widths[i]! - displayWidth(cut)));
        return rows[0] && typeof field(rows[0], columns[i]!) === "number" ? pad + cut : cut + pad;
      })
      .join("  ")
      .trimEnd();
  return `${chalk.bold(line(columns))}\n${cells.map(line).join("\n")}\n`;
}

/** Text of a cell; tables round numbers to `decimals`, machine formats keep them whole. */
function cellText(value: unknown, decimals?: number): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number" && decimals !== undefined && !Number.isInteger(value)) {
    return String(Math.round(value * 10 ** decimals) / 10 ** decimals);
  }
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function displayWidth(text: string): number {
  return [...text].length;
}
