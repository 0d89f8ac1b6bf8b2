import { formatTopic, type Logger, type StreamName } from '../../core/index.js';
import type { Publisher } from '../publisher.js';
import { isProblem, replayRecords, type ReplayProblem } from './replay-records.js';

export interface ReplayOptions {
  stream: StreamName;
  /** File name, for messages. */
  file: string;
  text: string;
  publisher: Publisher;
  tenant: string;
  logger: Logger;
  /** Records per second; unset: as fast as the broker acknowledges. */
  rate?: number | undefined;
  maxInFlight?: number;
}

export interface ReplayResult {
  published: number;
  problems: ReplayProblem[];
}

/** Publishes a recorded CSV, one record per message in file order; bad rows are reported, not published. */
export async function replayCsv({
  stream,
  file,
  text,
  publisher,
  tenant,
  logger,
  rate,
  maxInFlight = 64,
}: ReplayOptions): Promise<ReplayResult> {
  const problems: ReplayProblem[] = [];
  const inFlight = new Set<Promise<void>>();
  const started = Date.now();
  let published = 0;
  let failed: Error | undefined;
  for (const item of replayRecords(stream, text, file)) {
    if (isProblem(item)) {
      problems.push(item);
      logger.warn({ file, line: item.line, reason: item.reason }, 'row skipped');
      continue;
    }
    if (rate !== undefined) {
      const wait = started + (published / rate) * 1000 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const topic = formatTopic({ tenant, stream, deviceId: item.deviceId });
    const sent = publisher
      .publish(topic, Buffer.from(JSON.stringify(item.record)))
      .catch((err: Error) => {
        failed ??= new Error(`${file}:${item.line}: publish failed: ${err.message}`, { cause: err });
      })
      .finally(() => inFlight.delete(sent));
    inFlight.add(sent);
    published += 1;
    if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
    if (failed) break;
  }
  await Promise.all(inFlight);
  if (failed) throw failed;
  return { published, problems };
}
