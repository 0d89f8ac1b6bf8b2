import * as tfjs from '@tensorflow/tfjs';

export type Tf = typeof tfjs;

let loaded: Promise<{ tf: Tf; backend: string }> | undefined;

/**
 * TensorFlow.js with the fastest backend available: the native one (`@tensorflow/tfjs-node`, installed in the
 * Docker image) when present, otherwise WebAssembly, which ships with its binaries inside the npm package and
 * so works offline. Loaded once per process.
 */
export function loadTf(): Promise<{ tf: Tf; backend: string }> {
  loaded ??= (async () => {
    const nodeBackend = '@tensorflow/tfjs-node';
    try {
      const tf = (await import(nodeBackend)) as Tf;
      await tf.ready();
      return { tf, backend: tf.getBackend() };
    } catch {
      await import('@tensorflow/tfjs-backend-wasm');
      await tfjs.setBackend('wasm');
      await tfjs.ready();
      return { tf: tfjs, backend: tfjs.getBackend() };
    }
  })();
  return loaded;
}
