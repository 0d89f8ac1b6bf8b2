import { errorMessage } from '../../core/index.js';
import { GuardedRouter } from '../auth/guarded-router.js';

/** A readiness check: resolves when the dependency is usable, throws (or returns false) when it is not. */
export type HealthCheck = () => Promise<unknown> | boolean;

/** Public by design (issue 10): load balancers and orchestrators probe them without a credential. */
export function healthRoutes(checks: Record<string, HealthCheck>): GuardedRouter {
  const router = new GuardedRouter('');
  router.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  const readiness: Parameters<GuardedRouter['get']>[1] = async (_req, res) => {
    const results: Record<string, { ready: boolean; error?: string }> = {};
    await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          const outcome = await withTimeout(Promise.resolve(check()), 2000);
          results[name] = outcome === false ? { ready: false, error: 'not connected' } : { ready: true };
        } catch (err) {
          results[name] = { ready: false, error: errorMessage(err) };
        }
      }),
    );
    const ready = Object.values(results).every((r) => r.ready);
    res
      .status(ready ? 200 : 503)
      .json({ status: ready ? 'ok' : 'unavailable', live: true, ready, checks: results });
  };
  router.get('/health', readiness).get('/health/ready', readiness);
  return router;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
