import { statfs } from 'node:fs/promises';
import { gauge, type Logger, type Metric } from '../core/index.js';
import type { IngestService } from '../ingest/index.js';

/** A readiness check that says why it fails, logs each change of state once, and exposes a metric. */
export interface Readiness {
  check(): Promise<true>;
  metrics(): Metric[];
}

/**
 * Tracks whether a condition holds and logs when it starts and stops failing (once each, not on every probe), so
 * the log says why readiness went red and when it recovered.
 */
function transitions(logger: Logger, name: string) {
  let failing: string | undefined;
  return (problem: string | undefined): void => {
    if (problem !== undefined && failing === undefined) logger.error({ check: name, problem }, 'not ready');
    if (problem === undefined && failing !== undefined) logger.info({ check: name }, 'ready again');
    failing = problem;
  };
}

/**
 * The ingest is stuck when data it received has waited longer than `stallMs` without being written: the store
 * refuses writes (full disk, store down) while messages keep waiting unacknowledged.
 */
export function ingestReadiness(ingest: IngestService, stallMs: number, logger: Logger): Readiness {
  const note = transitions(logger, 'ingest');
  let stalled = false;
  const problem = (): string | undefined => {
    const s = ingest.stats;
    if (s.lagMs > stallMs)
      return `nothing written for ${Math.round(s.lagMs / 1000)} s while ${s.pending} items wait (${s.writeFailures} failed writes so far)`;
    if (!ingest.connected) return 'not connected to the broker';
    return undefined;
  };
  return {
    check: async () => {
      const p = problem();
      stalled = p !== undefined && ingest.stats.lagMs > stallMs;
      note(p);
      if (p) throw new Error(p);
      return true;
    },
    metrics: () => [
      gauge(
        'greenops_ingest_stalled',
        '1 while received data has waited longer than GREENOPS_INGEST_STALL_SECONDS to be written.',
        stalled || ingest.stats.lagMs > stallMs ? 1 : 0,
      ),
    ],
  };
}

/** Free space on the file system of the data directory, against a floor; a floor of 0 only reports. */
export function diskReadiness(dir: string, minFreeBytes: number, logger: Logger): Readiness {
  const note = transitions(logger, 'disk');
  let lastFree: number | undefined;
  const free = async (): Promise<number> => {
    const s = await statfs(dir);
    lastFree = Number(s.bavail) * Number(s.bsize);
    return lastFree;
  };
  return {
    check: async () => {
      const bytes = await free();
      const p =
        minFreeBytes > 0 && bytes < minFreeBytes
          ? `only ${(bytes / 1e6).toFixed(1)} MB free in ${dir} (GREENOPS_MIN_FREE_DISK_MB: ${minFreeBytes / 1e6})`
          : undefined;
      note(p);
      if (p) throw new Error(p);
      return true;
    },
    metrics: () =>
      lastFree === undefined
        ? []
        : [
            gauge(
              'greenops_data_disk_free_bytes',
              'Free space in the data directory at the last probe.',
              lastFree,
            ),
          ],
  };
}
