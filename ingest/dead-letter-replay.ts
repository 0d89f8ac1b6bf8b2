import { DEFAULT_DECODE_LIMITS, decodeMessage, type DecodeLimits } from '../core/index.js';
import type { DeadLetterStore } from '../store/index.js';

export interface ReplayFilter {
  tenant?: string | undefined;
  stream?: string | undefined;
  /** Most entries examined in one run. */
  limit?: number | undefined;
  /** Only report what would be replayed. */
  dryRun?: boolean | undefined;
}

export interface ReplayReport {
  examined: number;
  /** Valid now and sent through the pipeline again (and removed from the dead-letter store). */
  replayed: number;
  /** Still refused by the current schemas; left where they are. */
  stillInvalid: number;
  /** Not replayable: points the store refused (no message to replay) or payloads kept only in part. */
  skipped: number;
  dryRun: boolean;
}

/**
 * Puts a message through the ingest's validation and write path again, resolving once what it produced is
 * durable (IngestService.submit).
 */
export type Replay = (topic: string, payload: Buffer) => Promise<void>;

/**
 * Replays dead letters after a schema or device fix: each entry that passes validation now goes through the
 * ingest's write path on its original topic (batching, registers), lands on the same points as if it had been
 * valid the first time, and is removed only once those points are written. Entries still invalid stay.
 */
export async function replayDeadLetters(
  deadLetters: DeadLetterStore,
  replay: Replay,
  { tenant, stream, limit = 10_000, dryRun = false }: ReplayFilter = {},
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
): Promise<ReplayReport> {
  const report: ReplayReport = { examined: 0, replayed: 0, stillInvalid: 0, skipped: 0, dryRun };
  let before: number | undefined;
  while (report.examined < limit) {
    const page = await deadLetters.list({
      limit: Math.min(200, limit - report.examined),
      ...(before ? { before } : {}),
      ...(tenant ? { tenant } : {}),
      ...(stream ? { stream } : {}),
    });
    const done: number[] = [];
    const writes: Promise<void>[] = [];
    for (const entry of page.items) {
      report.examined += 1;
      if (entry.topic === '(store write)' || entry.truncated) {
        report.skipped += 1;
        continue;
      }
      const result = decodeMessage(entry.topic, entry.payload, Date.now(), limits);
      if (result.rejected.length > 0) {
        report.stillInvalid += 1;
        continue;
      }
      report.replayed += 1;
      if (!dryRun) {
        writes.push(replay(entry.topic, Buffer.from(entry.payload)));
        done.push(entry.id);
      }
    }
    // A page's records are written together (one batch), and their dead letters go only after that.
    await Promise.all(writes);
    await deadLetters.delete(done);
    if (page.nextBefore === null) break;
    before = page.nextBefore;
  }
  return report;
}

/**
 * The kind of a refusal, for counting: record indexes, quoted values and numbers are taken out, so
 * `record 3: /speedKmh: Expected number` and `record 9: /speedKmh: Expected number` count together.
 */
export function reasonKind(reason: string): string {
  return reason
    .replace(/^record \d+: /, '')
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\b\d+(\.\d+)?\b/g, 'N')
    .replace(/^(invalid JSON): .*$/, '$1')
    .slice(0, 200);
}
