export type Tf = typeof import('@tensorflow/tfjs');

let loaded: Promise<{ tf: Tf; backend: string }> | undefined;

/**
 * TensorFlow.js with the fastest backend available: the native one (`@tensorflow/tfjs-node`, installed in the
 * Docker image) when present, otherwise WebAssembly, which ships with its binaries inside the npm package and
 * so works offline. Loaded once per process, and only when a model first needs it: the import costs ~25 MB of
 * memory and start-up time in every process that never trains or predicts (the ingest role among them).
 */
export function loadTf(): Promise<{ tf: Tf; backend: string }> {
  loaded ??= (async () => {
    const nodeBackend = '@tensorflow/tfjs-node';
    try {
      const tf = (await import(nodeBackend)) as Tf;
      await tf.ready();
      return { tf, backend: tf.getBackend() };
    } catch {
      const tfjs = await import('@tensorflow/tfjs');
      await import('@tensorflow/tfjs-backend-wasm');
      await tfjs.setBackend('wasm');
      await tfjs.ready();
      return { tf: tfjs, backend: tfjs.getBackend() };
    }
  })();
  return loaded;
}
