import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { SERVER_BINARIES } from './debian-packages.js';
import { freePort } from './free-port.js';
import { retryOnPortConflict, serverProcess } from './server-process.js';

export interface PostgresServer {
  /** postgres:// URL of the server's maintenance database (`postgres`); tests use {@link newDatabase}. */
  url: string;
  /** Creates a fresh empty database and returns its postgres:// URL, so tests never share state. */
  newDatabase(): Promise<string>;
  /** Kills the server and removes its folder (an external DATABASE_URL server: drops the databases made here). */
  stop(): Promise<void>;
}

const BIN = SERVER_BINARIES.postgres.path.replace(/\/postgres$/, '');
const run = promisify(execFile);

/**
 * A throwaway PostgreSQL 15 (Debian's binaries) on a free port with its data, socket and log in a temporary
 * folder. DATABASE_URL points the suites at a running server instead; `newDatabase` then creates databases there.
 */
export function startPostgres(): Promise<PostgresServer> {
  const external = process.env.DATABASE_URL;
  if (external) return Promise.resolve(onServer(external, async () => undefined));
  return retryOnPortConflict(startOnce);
}

async function startOnce(): Promise<PostgresServer> {
  // postgres refuses to run as root: as root (CI, containers) it runs as Debian's `postgres` user.
  const owner = process.getuid?.() === 0 ? systemUser('postgres') : {};
  const dir = mkdtempSync(join(tmpdir(), 'greenops-postgres-'));
  if (owner.uid !== undefined) chownSync(dir, owner.uid, owner.gid!);
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', LANG: 'C' };
  const data = join(dir, 'data');
  try {
    await run(
      `${BIN}/initdb`,
      [
        '-D',
        data,
        '-U',
        'postgres',
        '--auth=trust',
        '--encoding=UTF8',
        '--locale=C',
        '--no-sync',
        '--no-instructions',
      ],
      { ...owner, env },
    );
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(err as { stderr?: string }).stderr ?? String(err)}`, { cause: err });
  }
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const server = serverProcess(
    'postgres',
    `${BIN}/postgres`,
    [
      '-D',
      data,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${dir}`,
      // A test server: losing it in a crash costs nothing, waiting for the disk costs every test.
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
    ],
    () => answers(url),
    30_000,
    // SIGINT is PostgreSQL's fast shutdown; SIGTERM would wait for every client of the suite to disconnect.
    { ...owner, env, stopSignal: 'SIGINT' },
  );
  try {
    await server.start();
  } catch (err) {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return onServer(url, async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
}

function onServer(url: string, stopServer: () => Promise<void>): PostgresServer {
  const created: string[] = [];
  const external = Boolean(process.env.DATABASE_URL);
  return {
    url,
    async newDatabase() {
      const name = `greenops_test_${process.pid}_${created.length + 1}_${Math.random().toString(36).slice(2, 8)}`;
      await admin(url, `CREATE DATABASE ${name}`);
      created.push(name);
      const dbUrl = new URL(url);
      dbUrl.pathname = `/${name}`;
      return dbUrl.toString();
    },
    async stop() {
      if (external)
        for (const name of created) await admin(url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await stopServer();
    },
  };
}

async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Ready when a client can connect and run a query (not merely when the port is open: it may still be starting). */
async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function systemUser(name: string): { uid?: number; gid?: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined)
    throw new Error(
      `running as root, and there is no '${name}' user to run PostgreSQL as (install postgresql)`,
    );
  return { uid: Number(uid), gid: Number(gid) };
}
