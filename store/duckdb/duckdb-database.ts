import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { storeUnavailable } from '../../core/index.js';

/**
 * One DuckDB database file, shared by the adapters that keep state in it. DuckDB allows one writing process
 * per file, so the all-in-one process owns it; writes go through one connection in order, reads get their own.
 */
export class DuckDbDatabase {
  private writeChain: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
  ) {}

  /**
   * `memoryLimit` caps DuckDB's buffer manager (its default is 80 % of the machine's memory, far more than an
   * ingest should take on a shared 2-core box).
   */
  static async open(
    path: string,
    { memoryLimit = '256MB', threads = 2 }: { memoryLimit?: string; threads?: number } = {},
  ): Promise<DuckDbDatabase> {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    try {
      const instance = await DuckDBInstance.create(path, {
        memory_limit: memoryLimit,
        threads: String(threads),
      });
      const writer = await instance.connect();
      return new DuckDbDatabase(path, instance, writer);
    } catch (err) {
      throw storeUnavailable(`cannot open DuckDB file ${path}: ${(err as Error).message}`, err);
    }
  }

  /** Runs `work` on the writer connection after every write queued before it. */
  write<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    this.assertOpen();
    const next = this.writeChain.then(() => work(this.writer));
    this.writeChain = next.catch(() => undefined);
    return next;
  }

  async read<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    this.assertOpen();
    const connection = await this.instance.connect();
    try {
      return await work(connection);
    } finally {
      connection.closeSync();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.writeChain;
    this.closed = true;
    this.writer.closeSync();
    this.instance.closeSync();
  }

  private assertOpen(): void {
    if (this.closed) throw storeUnavailable(`DuckDB file ${this.path} is closed`);
  }
}

/**
 * Runs a query and converts each result chunk to JS values as soon as it is fetched. `runAndReadAll` fetches every
 * chunk first and converts afterwards, so long strings are read through pointers into result memory that later
 * fetches may already have released; a CI run once read two dead-letter reasons back as garbage that way (the
 * suspected cause; it did not reproduce in isolation). Converting chunk by chunk also holds less native memory.
 */
export async function readRows(
  connection: DuckDBConnection,
  sql: string,
  params: DuckDBValue[] = [],
): Promise<DuckDBValue[][]> {
  const result = await connection.run(sql, params);
  const rows: DuckDBValue[][] = [];
  for await (const batch of result.yieldRows()) for (const row of batch) rows.push(row);
  return rows;
}

/** As readRows, with each row as an object keyed by column name. */
export async function readRowObjects(
  connection: DuckDBConnection,
  sql: string,
  params: DuckDBValue[] = [],
): Promise<Record<string, DuckDBValue>[]> {
  const result = await connection.run(sql, params);
  const rows: Record<string, DuckDBValue>[] = [];
  for await (const batch of result.yieldRowObjects()) for (const row of batch) rows.push(row);
  return rows;
}
