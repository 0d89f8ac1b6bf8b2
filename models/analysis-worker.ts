import { parentPort } from 'node:worker_threads';
import { runAnalysis, type AnalysisTask } from './analysis-tasks.js';

/** The worker thread of AnalysisWorkers: runs each task it is sent and answers with its id. */
const port = parentPort;
if (!port) throw new Error('analysis-worker runs as a worker thread');
port.on('message', ({ id, task }: { id: number; task: AnalysisTask }) => {
  try {
    port.postMessage({ id, ok: true, result: runAnalysis(task) });
  } catch (err) {
    port.postMessage({ id, ok: false, message: (err as Error).message });
  }
});
