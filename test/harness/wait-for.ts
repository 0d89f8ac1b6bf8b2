/** Polls `probe` until it returns a value other than undefined, or fails with the last observation. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** GET as JSON; `key` is sent as `Authorization: Bearer` (every route but /health* needs a credential). */
export async function getJson<T = Record<string, unknown>>(url: string, key?: string): Promise<T> {
  const res = await fetch(url, key === undefined ? {} : { headers: { authorization: `Bearer ${key}` } });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/**
 * Waits until `count` reaches `target`, for as long as it keeps moving: fails only when it has not grown for
 * `stallMs` (a bound from progress, not a fixed deadline, so a slow but working system on a busy machine passes and
 * a stuck one fails within `stallMs`).
 */
export async function waitForProgress(
  what: string,
  count: () => Promise<number>,
  target: number,
  stallMs = 30_000,
  everyMs = 500,
): Promise<number> {
  let best = -1;
  let movedAt = Date.now();
  for (;;) {
    let value = best;
    try {
      value = await count();
    } catch {
      // a failed probe is no progress
    }
    if (value >= target) return value;
    if (value > best) {
      best = value;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > stallMs) {
      throw new Error(`${what}: stuck at ${best} of ${target} for ${Math.round(stallMs / 1000)} s`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
