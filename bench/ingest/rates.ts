/**
 * A list of rates from an environment variable (`2500,5000,…`), or the default: empty means none (e.g.
 * `BENCH_BATCHED_RATES=` skips the batched steps); anything but positive numbers stops the benchmark, naming it.
 */
export function ratesFromEnv(name: string, fallback: string): number[] {
  const text = (process.env[name] ?? fallback).trim();
  if (text === '') return [];
  return text.split(',').map((part) => {
    const rate = Number(part.trim());
    if (!(rate > 0) || !Number.isFinite(rate))
      throw new Error(`${name}: "${part}" is not a rate (messages per second, e.g. 2500,5000)`);
    return rate;
  });
}
