import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { GreenopsError } from '../../core/index.js';

/** The lock file in a PGlite folder; it holds the owner's pid and host. */
export const LOCK_FILE = '.greenops.lock';

interface Holder {
  pid: number;
  host: string;
  since: string;
}

/** What the refusal suggests besides stopping the holder; a command passes its own (its route, if it has one). */
export const DEFAULT_WHEN_LOCKED = "use the running greenops's API";

/** Folders this process holds: its own pid in a lock file is only alive if it is listed here. */
const heldHere = new Set<string>();

/**
 * Takes the lock on a PGlite folder, which only one process may open (two would corrupt it). The lock file is
 * created exclusively; a lock whose process is gone (a crash, a killed container) is taken over. Returns the
 * release function.
 */
export function lockFolder(dir: string, whenLocked = DEFAULT_WHEN_LOCKED): () => void {
  const path = join(dir, LOCK_FILE);
  const mine: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 1; ; attempt++) {
    try {
      writeFileSync(path, JSON.stringify(mine), { flag: 'wx' });
      heldHere.add(path);
      return () => {
        if (!heldHere.delete(path)) return;
        rmSync(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 5) throw err;
    }
    const text = readHolderText(path);
    if (text === undefined) continue; // released between our attempt and the read: try again
    const holder = parseHolder(text);
    if (holder && isAlive(holder, path)) throw lockedBy(dir, path, holder, whenLocked);
    takeOverStale(path, text);
  }
}

/**
 * Moves the stale lock aside atomically so that two processes taking it over at the same moment cannot both
 * succeed: only one rename finds the file; if what was moved is not the stale lock read before (another process
 * took over in between), it is put back.
 */
function takeOverStale(path: string, staleText: string): void {
  const aside = `${path}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    renameSync(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const moved = readHolderText(aside);
  if (moved !== staleText) {
    try {
      linkSync(aside, path);
    } catch {
      // A third process holds the folder now; its lock file stands.
    }
  }
  rmSync(aside, { force: true });
}

function readHolderText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function parseHolder(text: string): Holder | undefined {
  try {
    const h = JSON.parse(text) as Partial<Holder>;
    return typeof h.pid === 'number' && typeof h.host === 'string'
      ? { pid: h.pid, host: h.host, since: String(h.since) }
      : undefined;
  } catch {
    return undefined; // a torn or foreign file: no live owner can be named, so it is stale
  }
}

function isAlive(holder: Holder, path: string): boolean {
  // Another machine's process cannot be checked from here: assume it is alive rather than risk corruption.
  if (holder.host !== hostname()) return true;
  // Our own pid: alive only if this process holds the folder (a restarted container often gets the same pid).
  if (holder.pid === process.pid) return heldHere.has(path);
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockedBy(dir: string, path: string, holder: Holder, whenLocked: string): GreenopsError {
  return new GreenopsError(
    'STORE_UNAVAILABLE',
    `records store ${dir} is in use by process ${holder.pid} on ${holder.host} (since ${holder.since}); ` +
      `only one process may open a PGlite folder: stop it, ${whenLocked}, or set DATABASE_URL to share a ` +
      `PostgreSQL server. ` +
      `If that process is gone, delete ${path}`,
    { retryable: false },
  );
}
