import { parentPort, workerData } from 'node:worker_threads';
import { trainClassifier, type TrainOptions } from './classifier.js';
import type { LabelledExample } from './corpus.js';

/** Trains the invoice classifier off the main thread; posts progress per epoch, then the manifest and weights. */
const { examples, labels, meta, heldOut, options } = workerData as {
  examples: LabelledExample[];
  labels: string[];
  meta: { corpusVersion: string; corrections: number };
  heldOut: LabelledExample[];
  options: Partial<TrainOptions>;
};
const port = parentPort;
if (!port) throw new Error('train-classifier-worker runs as a worker thread');
try {
  const artifacts = await trainClassifier(examples, labels, meta, heldOut, {
    ...options,
    onEpoch: (epoch, loss) => port.postMessage({ type: 'progress', epoch, loss }),
  });
  port.postMessage({ type: 'done', manifest: artifacts.manifest, weights: artifacts.weights });
} catch (err) {
  port.postMessage({ type: 'error', message: (err as Error).message });
}
