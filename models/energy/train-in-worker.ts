import { runWorker, siblingModule, startModuleWorker } from '../worker-thread.js';
import type { BacktestOptions, BacktestReport } from './backtest.js';
import type { ForecasterArtifacts } from './neural-forecaster.js';
import type { ServingReferences } from './references.js';
import type { MeterSeries } from './series-from-rows.js';

/** Trains and backtests in a worker thread, so the ingest and the API keep their event loop. */
export async function trainInWorker(
  series: MeterSeries[],
  trainUntil: number,
  options: Omit<BacktestOptions, 'onEpoch' | 'onProgress'> = {},
  onProgress?: (epoch: number, loss: number) => void,
): Promise<{ report: BacktestReport; artifacts: ForecasterArtifacts; references: ServingReferences }> {
  const worker = startModuleWorker(siblingModule(import.meta.url, 'train-worker'), {
    series,
    trainUntil,
    options,
  });
  const done = await runWorker<{
    report: BacktestReport;
    references: ServingReferences;
    manifest: ForecasterArtifacts['manifest'];
    weights: Uint8Array;
  }>(worker, (m) => onProgress?.(m.epoch as number, m.loss as number), 'training');
  return {
    report: done.report,
    references: done.references,
    artifacts: { manifest: done.manifest, weights: Buffer.from(done.weights) },
  };
}
