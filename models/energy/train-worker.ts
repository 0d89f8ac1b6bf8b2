import { parentPort, workerData } from 'node:worker_threads';
import { trainAndBacktest, type BacktestOptions } from './backtest.js';
import type { MeterSeries } from './series-from-rows.js';

/** Runs training and its backtest off the main thread; posts progress, then the report and the artifacts. */
const { series, trainUntil, options } = workerData as {
  series: MeterSeries[];
  trainUntil: number;
  options: BacktestOptions;
};
const port = parentPort;
if (!port) throw new Error('train-worker runs as a worker thread');
try {
  const { report, forecaster, references } = await trainAndBacktest(series, trainUntil, {
    ...options,
    onEpoch: (epoch, loss) => port.postMessage({ type: 'progress', epoch, loss }),
  });
  if (!forecaster) throw new Error('the backtest trained no network');
  const artifacts = await forecaster.toArtifacts();
  forecaster.dispose();
  port.postMessage({
    type: 'done',
    report,
    references,
    manifest: artifacts.manifest,
    weights: new Uint8Array(artifacts.weights),
  });
} catch (err) {
  // A GreenopsError's code crosses the thread, so the caller shows its message without a stack trace.
  port.postMessage({
    type: 'error',
    message: (err as Error).message,
    code: (err as { code?: unknown }).code,
  });
}
