import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";

/** A lazily opened in-memory DuckDB: the Parquet files are the data, DuckDB only the engine. */
export class DuckSession {
  private instance: DuckDBInstance | undefined;
  private connection: DuckDBConnection | undefined;
  private opening: Promise<DuckDBConnection> | undefined;

  connect(): Promise<DuckDBConnection> {
    this.opening ??= this.open();
    return this.opening;
  }

  private async open(): Promise<DuckDBConnection> {
    this.instance = await DuckDBInstance.create(":memory:");
    this.connection = await this.instance.connect();
    // Segments never change once written (a new one gets a new name), so their
    // footers can be cached between queries.
    await this.connection.run("SET parquet_metadata_cache = true");
    return this.connection;
  }

  close(): void {
    this.connection?.closeSync();
    this.instance?.closeSync();
    this.connection = undefined;
    this.instance = undefined;
    this.opening = undefined;
  }
}

/** DuckDB hands back BIGINT as bigint and times as Date; results are plain JSON values. */
export function toPlain(value: unknown): unknown {
  if (typeof value === "bigint") {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toPlain);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v)]));
  }
  return value;
}
