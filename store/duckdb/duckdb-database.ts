import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from '@duckdb/node-api';
import { storeUnavailable } from '../../core/index.js';

/** The @duckdb/node-api module (its values: DuckDBInstance, blobValue, the vector classes…). */
export type DuckDbApi = typeof import('@duckdb/node-api');

let loaded: Promise<DuckDbApi> | undefined;

/**
 * @duckdb/node-api, imported once per process when a DuckDB file is first opened, not when this module is: its
 * native binding costs ~33 MB of memory and ~0.17 s to load, which every process paid, the InfluxDB ingest role
 * (which never opens a DuckDB file) among them. The adapters reach its values through `DuckDbDatabase.api`.
 */
export function loadDuckDb(): Promise<DuckDbApi> {
  loaded ??= import('@duckdb/node-api');
  return loaded;
}

/**
 * One DuckDB database file, shared by the adapters that keep state in it. DuckDB allows one writing process
 * per file, so the all-in-one process owns it; writes go through one connection in order, reads get their own.
 */
export class DuckDbDatabase {
  private writeChain: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Set when DuckDB invalidated the database after a fatal error (a full disk at checkpoint, say). */
  private invalidatedBy: string | undefined;
  /** Times the database was reopened after it was invalidated. */
  reopened = 0;

  private constructor(
    /** The loaded @duckdb/node-api module, for the adapters' value imports (blobValue, DuckDBDoubleVector). */
    readonly api: DuckDbApi,
    readonly path: string,
    private readonly settings: Record<string, string>,
    private instance: DuckDBInstance,
    private writer: DuckDBConnection,
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
    const settings = { memory_limit: memoryLimit, threads: String(threads) };
    try {
      const api = await loadDuckDb();
      const instance = await api.DuckDBInstance.create(path, settings);
      const writer = await instance.connect();
      return new DuckDbDatabase(api, path, settings, instance, writer);
    } catch (err) {
      throw storeUnavailable(`cannot open DuckDB file ${path}: ${(err as Error).message}`, err);
    }
  }

  /** Why the database is unusable until it is reopened, or undefined when it is usable. */
  get invalidated(): string | undefined {
    return this.invalidatedBy;
  }

  /**
   * Runs `work` on the writer connection after every write queued before it. After DuckDB invalidated the
   * database (it does so on a fatal error, such as a full disk during a checkpoint, and then refuses everything
   * until the file is opened again), the next write reopens the file first: the committed data is in the file and
   * its write-ahead log, so nothing acknowledged is lost, and the ingest goes on without a restart.
   */
  write<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    this.assertOpen();
    const next = this.writeChain.then(async () => {
      if (this.invalidatedBy !== undefined) await this.reopen();
      try {
        return await work(this.writer);
      } catch (err) {
        this.noteFatal(err);
        throw err;
      }
    });
    this.writeChain = next.catch(() => undefined);
    return next;
  }

  async read<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    this.assertOpen();
    // An invalidated database is reopened on the write chain first (a read may be the first to notice).
    if (this.invalidatedBy !== undefined) await this.write(async () => undefined);
    let connection: DuckDBConnection;
    try {
      connection = await this.instance.connect();
    } catch (err) {
      this.noteFatal(err);
      throw err;
    }
    try {
      return await work(connection);
    } catch (err) {
      this.noteFatal(err);
      throw err;
    } finally {
      connection.closeSync();
    }
  }

  private noteFatal(err: unknown): void {
    const message = (err as Error)?.message ?? String(err);
    if (/invalidated|FATAL Error/i.test(message)) this.invalidatedBy ??= message.slice(0, 300);
  }

  /** Closes the invalidated instance and opens the file again (on the write chain, so no write runs meanwhile). */
  private async reopen(): Promise<void> {
    try {
      this.writer.closeSync();
    } catch {
      // the invalidated instance may refuse even this
    }
    try {
      this.instance.closeSync();
    } catch {
      // as above
    }
    try {
      this.instance = await this.api.DuckDBInstance.create(this.path, this.settings);
      this.writer = await this.instance.connect();
      this.invalidatedBy = undefined;
      this.reopened += 1;
    } catch (err) {
      throw storeUnavailable(`cannot reopen DuckDB file ${this.path}: ${(err as Error).message}`, err);
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
