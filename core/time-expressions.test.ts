import { describe, expect, it } from 'vitest';
import { durationMs, timeExpressionMs } from './time-expressions.js';

const NOW = Date.UTC(2026, 10, 22, 12);

describe('time expressions', () => {
  it.each([
    ['250ms', 250],
    ['30s', 30_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['2d', 172_800_000],
    ['1w', 604_800_000],
  ])('reads the duration %s', (text, ms) => expect(durationMs(text)).toBe(ms));

  it.each(['1hour', 'h', '-1h', '1.5h', ''])('refuses %j as a duration', (text) =>
    expect(durationMs(text)).toBeUndefined(),
  );

  it('reads now, relative and ISO 8601 times, and refuses the rest', () => {
    expect(timeExpressionMs('now', NOW)).toBe(NOW);
    expect(timeExpressionMs('-24h', NOW)).toBe(NOW - 86_400_000);
    expect(timeExpressionMs('2026-01-05T10:00:00+01:00', NOW)).toBe(Date.UTC(2026, 0, 5, 9));
    for (const bad of ['yesterday', '-24 hours', 'Jan 5 2026', '2026-13-45T00:00:00Z'])
      expect(timeExpressionMs(bad, NOW)).toBeUndefined();
  });
});
