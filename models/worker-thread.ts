import { Worker } from 'node:worker_threads';

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
  return new Worker(entry, { workerData });
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
      else reject(new Error(`${what} failed: ${m.message}`));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (code !== 0) reject(new Error(`${what} worker exited with ${code}`));
    });
  });
}
