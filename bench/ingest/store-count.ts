/**
 * Stored points counted in the store itself, never from the measured system's own counters: InfluxQL
 * `SELECT count(...)` against influxd, `count(*)` in the DuckDB file (opened after the ingest is gone: DuckDB
 * lets one process hold a file for writing, so the bench stops the ingest at the deadline and reopens the file).
 */
import { DuckDBInstance } from '@duckdb/node-api';

/** Every interval reading stores an `interval_s` field, greenops's points and the Node-RED flow's alike. */
export const COUNTED_FIELD = 'interval_s';

export async function createInfluxDatabase(url: string, database: string): Promise<void> {
  const res = await fetch(`${url}/query?q=${encodeURIComponent(`CREATE DATABASE "${database}"`)}`, {
    method: 'POST',
  });
  if (!res.ok) throw new Error(`CREATE DATABASE ${database}: ${res.status} ${await res.text()}`);
}

export async function dropInfluxDatabase(url: string, database: string): Promise<void> {
  await fetch(`${url}/query?q=${encodeURIComponent(`DROP DATABASE "${database}"`)}`, { method: 'POST' });
}

/** Points of measurement `energy` in `database`, by InfluxQL count; with a window, those timed in [fromMs, toMs). */
export async function influxCount(
  url: string,
  database: string,
  window?: { fromMs: number; toMs: number },
): Promise<number> {
  const where = window ? ` WHERE time >= ${window.fromMs}ms AND time < ${window.toMs}ms` : '';
  const q = `SELECT count("${COUNTED_FIELD}") FROM "energy"${where}`;
  const res = await fetch(`${url}/query?db=${encodeURIComponent(database)}&q=${encodeURIComponent(q)}`);
  if (!res.ok) throw new Error(`count in ${database}: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as {
    results?: { series?: { values?: [string, number][] }[]; error?: string }[];
  };
  const result = body.results?.[0];
  if (result?.error) throw new Error(`count in ${database}: ${result.error}`);
  return Number(result?.series?.[0]?.values?.[0]?.[1] ?? 0);
}

/** Points of measurement `energy` in a DuckDB file that no process holds any more. */
export async function duckdbCount(file: string): Promise<number> {
  const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  try {
    const connection = await instance.connect();
    const reader = await connection.runAndReadAll(
      `SELECT count(*) AS n FROM points WHERE measurement = 'energy' AND field = '${COUNTED_FIELD}'`,
    );
    connection.closeSync();
    return Number(reader.getRowObjects()[0]?.n ?? 0);
  } finally {
    instance.closeSync();
  }
}
