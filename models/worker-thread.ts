import { channel } from 'node:diagnostics_channel';
import { Worker } from 'node:worker_threads';
import { GreenopsError } from '../core/index.js';
import { startUsage, type WorkUsage } from './transparency/footprint.js';

/**
 * Where the end of a model worker is announced with what the process used meanwhile (AI's own footprint, issue 15).
 * Nothing is measured unless a footprint recorder subscribes (the composition root does).
 */
export const MODEL_WORK_CHANNEL = 'greenops:model-work';

export interface ModelWork {
  /** The worker module's file name without extension, e.g. `train-worker`. */
  module: string;
  usage: WorkUsage;
  /** The model version the worker's `done` message names (`manifest.version`), if any. */
  version: string | undefined;
  /** False when the worker failed or was stopped: its energy was spent all the same. */
  completed: boolean;
}

/**
 * Starts a module as a worker thread, so model training leaves the ingest's and the API's event loop free. Runs
 * the compiled JavaScript, or the TypeScript source through tsx (development and tests): from source, a tiny
 * module registers tsx inside the worker before loading the file.
 */
export function startModuleWorker(moduleUrl: URL, workerData: unknown): Worker {
  const fromSource = moduleUrl.href.endsWith('.ts');
  const entry = fromSource
    ? new URL(
        `data:text/javascript,${encodeURIComponent(`const { register } = await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}); register(); await import(${JSON.stringify(moduleUrl.href)});`)}`,
      )
    : moduleUrl;
  const worker = new Worker(entry, { workerData });
  const work = channel(MODEL_WORK_CHANNEL);
  if (work.hasSubscribers) {
    const usage = startUsage();
    const module = (moduleUrl.pathname.split('/').pop() ?? '').replace(/\.(ts|js)$/, '');
    let published = false;
    const publish = (completed: boolean, version: unknown) => {
      if (published) return;
      published = true;
      const announced: ModelWork = {
        module,
        usage: usage.stop(),
        version: typeof version === 'string' ? version : undefined,
        completed,
      };
      work.publish(announced);
    };
    worker.on('message', (m: { type?: string; manifest?: { version?: unknown } } | undefined) => {
      if (m?.type === 'done') publish(true, m.manifest?.version);
    });
    worker.once('exit', () => publish(false, undefined));
  }
  return worker;
}

/** The sibling module of `from` with the same extension (.ts from source, .js when compiled). */
export function siblingModule(from: string, name: string): URL {
  return new URL(`./${name}${from.endsWith('.ts') ? '.ts' : '.js'}`, from);
}

/**
 * Runs a worker that posts `{ type: 'progress', … }` messages, then one `{ type: 'done', … }` or
 * `{ type: 'error', message }`; resolves with the done message.
 */
export function runWorker<Done>(
  worker: Worker,
  onProgress: (message: Record<string, unknown>) => void,
  what: string,
): Promise<Done> {
  return new Promise((resolve, reject) => {
    worker.on('message', (m: { type: string; message?: string } & Record<string, unknown>) => {
      if (m.type === 'progress') onProgress(m);
      else if (m.type === 'done') resolve(m as unknown as Done);
      else if (typeof m.code === 'string' && m.code === 'INSUFFICIENT_DATA')
        reject(new GreenopsError(m.code, `${what} failed: ${m.message}`));
      else reject(new Error(`${what} failed: ${m.message}`));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (code !== 0) reject(new Error(`${what} worker exited with ${code}`));
    });
  });
}
