import { describe, expect, it } from 'vitest';
import { formatTopic, parseTopic } from './topic.js';

describe('topics', () => {
  it('round-trips greenops/v1/{tenant}/{stream}/{deviceId}', () => {
    const parts = { tenant: 'aarhus', stream: 'fleet' as const, deviceId: 'van-12' };
    expect(parseTopic(formatTopic(parts))).toEqual({ ok: true, value: parts });
  });

  it.each([
    ['greenops/v2/aarhus/fleet/van-12', 'topic must be'],
    ['greenops/v1/aarhus/fleet/van-12/extra', 'topic must be'],
    ['greenops/v1/aarhus/fleet/', 'invalid device id'],
    ['greenops/v1/AARHUS/fleet/van-12', 'invalid tenant'],
    ['greenops/v1/aarhus/parking/p-1', 'unknown stream "parking"'],
  ])('refuses %s', (topic, reason) => {
    const result = parseTopic(topic);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });
});
