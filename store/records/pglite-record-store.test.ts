import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCK_FILE, lockFolder } from './folder-lock.js';
import { PgliteRecordStore } from './pglite-record-store.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function tempFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'greenops-records-lock-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// Creating a PGlite database (initdb in WebAssembly) takes 5–20 s on a busy 2-core machine.
const PGLITE_TIMEOUT = { timeout: 90_000 };

const lockOf = (dir: string) => JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as { pid: number };

/** Another greenops process holding the folder: it opens the store and waits to be killed. */
function holder(dir: string) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `import { PgliteRecordStore } from './store/index.ts';
       await PgliteRecordStore.open(${JSON.stringify(dir)});
       console.log('holding');
       setInterval(() => undefined, 60_000);`,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  cleanup.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  let output = '';
  const holding = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (output.includes('holding')) resolve();
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code) => reject(new Error(`the holder exited with ${code}:\n${output}`)));
  });
  return { pid: child.pid!, holding, exited, kill: () => child.kill('SIGKILL') };
}

describe('PgliteRecordStore folder lock', () => {
  it(
    'refuses a second open of a folder this process holds, naming the folder and the pid, until it is closed',
    PGLITE_TIMEOUT,
    async () => {
      const dir = tempFolder();
      const first = await PgliteRecordStore.open(dir);
      cleanup.push(() => first.close());
      expect(lockOf(dir).pid).toBe(process.pid);
      const second = PgliteRecordStore.open(dir);
      await expect(second).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      await expect(second).rejects.toThrow(`records store ${dir} is in use by process ${process.pid}`);
      await first.close();
      expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
      const again = await PgliteRecordStore.open(dir);
      cleanup.push(() => again.close());
      await expect(again.query('SELECT 1 AS one')).resolves.toEqual([{ one: 1 }]);
    },
  );

  it(
    'refuses a folder another live process holds, and takes it over once that process has died',
    PGLITE_TIMEOUT,
    async () => {
      const dir = tempFolder();
      const other = holder(dir);
      await other.holding;
      await expect(PgliteRecordStore.open(dir)).rejects.toThrow(
        new RegExp(`${dir} is in use by process ${other.pid} on `),
      );
      other.kill(); // a crash: the lock file stays behind
      await other.exited;
      expect(lockOf(dir).pid).toBe(other.pid);
      const store = await PgliteRecordStore.open(dir);
      cleanup.push(() => store.close());
      expect(lockOf(dir).pid).toBe(process.pid);
      await expect(store.ping()).resolves.toBeUndefined();
    },
  );

  it('takes over a lock left with its own pid by an earlier run (a restarted container gets the same pid)', () => {
    const dir = tempFolder();
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: process.pid, host: hostname(), since: 'earlier' }),
    );
    const release = lockFolder(dir);
    expect(lockOf(dir)).toMatchObject({ pid: process.pid, since: expect.not.stringMatching('earlier') });
    release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('takes over an unreadable lock file, but not a lock held from another host', () => {
    const dir = tempFolder();
    writeFileSync(join(dir, LOCK_FILE), '{"pid": 12');
    lockFolder(dir)();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: `not-${hostname()}`, since: 'x' }));
    expect(() => lockFolder(dir)).toThrow(/in use by process 1 on not-/);
  });
});
