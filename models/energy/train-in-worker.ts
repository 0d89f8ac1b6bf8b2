import { Worker } from 'node:worker_threads';
import type { BacktestReport } from './backtest.js';
import type { ForecasterArtifacts, NeuralOptions } from './neural-forecaster.js';
import type { MeterSeries } from './series-from-rows.js';

/**
 * Trains and backtests in a worker thread, so the ingest and the API keep their event loop. Runs from the
 * compiled JavaScript, or from TypeScript source through tsx (development and tests).
 */
export function trainInWorker(
  series: MeterSeries[],
  trainUntil: number,
  options: Partial<Omit<NeuralOptions, 'onEpoch'>> = {},
  onProgress?: (epoch: number, loss: number) => void,
): Promise<{ report: BacktestReport; artifacts: ForecasterArtifacts }> {
  const fromSource = import.meta.url.endsWith('.ts');
  const script = new URL(fromSource ? './train-worker.ts' : './train-worker.js', import.meta.url);
  const workerData = { series, trainUntil, options };
  // From source, a tiny module registers tsx inside the worker before loading the TypeScript file.
  const entry = fromSource
    ? new URL(
        `data:text/javascript,${encodeURIComponent(`const { register } = await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}); register(); await import(${JSON.stringify(script.href)});`)}`,
      )
    : script;
  const worker = new Worker(entry, { workerData });
  return new Promise((resolve, reject) => {
    worker.on(
      'message',
      (m: {
        type: string;
        epoch?: number;
        loss?: number;
        report?: BacktestReport;
        manifest?: ForecasterArtifacts['manifest'];
        weights?: Uint8Array;
        message?: string;
      }) => {
        if (m.type === 'progress') onProgress?.(m.epoch as number, m.loss as number);
        else if (m.type === 'done')
          resolve({
            report: m.report as BacktestReport,
            artifacts: {
              manifest: m.manifest as ForecasterArtifacts['manifest'],
              weights: Buffer.from(m.weights as Uint8Array),
            },
          });
        else reject(new Error(`training failed: ${m.message}`));
      },
    );
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (code !== 0) reject(new Error(`training worker exited with ${code}`));
    });
  });
}
