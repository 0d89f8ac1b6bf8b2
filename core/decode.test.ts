import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeMessage, DEFAULT_DECODE_LIMITS } from './decode.js';
import { STREAM_NAMES, type StreamName } from './streams/index.js';

const fixtures = new URL('../test/fixtures/', import.meta.url);
const valid = JSON.parse(readFileSync(new URL('valid-records.json', fixtures), 'utf8')) as Record<
  StreamName,
  Record<string, unknown>[]
>;
const invalid = JSON.parse(readFileSync(new URL('invalid-messages.json', fixtures), 'utf8')) as {
  case: string;
  topic: string;
  payload: string;
  reason: string;
}[];
const NOW = Date.UTC(2026, 0, 6);
const bytes = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

describe('decodeMessage', () => {
  for (const stream of STREAM_NAMES) {
    it(`accepts every valid ${stream} fixture, alone and as a batch`, () => {
      const topic = `greenops/v1/aarhus/${stream}/dev-1`;
      for (const record of valid[stream]) {
        const single = decodeMessage(topic, bytes(record), NOW);
        expect(single.rejected).toEqual([]);
        expect(single.records).toHaveLength(1);
      }
      const batch = decodeMessage(topic, bytes(valid[stream]), NOW);
      expect(batch.rejected).toEqual([]);
      expect(batch.records.map((r) => r.index)).toEqual(valid[stream].map((_, i) => i));
    });
  }

  for (const c of invalid) {
    it(`refuses ${c.case} with a reason`, () => {
      const result = decodeMessage(c.topic, bytes(c.payload), NOW);
      expect(result.records).toEqual([]);
      expect(result.rejected).toHaveLength(1);
      expect(result.rejected[0]?.reason).toContain(c.reason);
      expect(Buffer.from(result.rejected[0]!.payload).toString()).toBe(c.payload);
    });
  }

  it('keeps the valid records of a batch and refuses only the bad ones, naming their index', () => {
    const records = [valid.fleet[0], { ...valid.fleet[1], speedKmh: -4 }, valid.fleet[1]];
    const result = decodeMessage('greenops/v1/aarhus/fleet/v-1', bytes(records), NOW);
    expect(result.records.map((r) => r.index)).toEqual([0, 2]);
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0]?.index).toBe(1);
    expect(result.rejected[0]?.reason).toMatch(/^record 1: \/speedKmh/);
    expect(JSON.parse(Buffer.from(result.rejected[0]!.payload).toString())).toEqual(records[1]);
  });

  it('refuses oversized payloads and batches before parsing them', () => {
    const big = decodeMessage('greenops/v1/aarhus/fleet/v-1', Buffer.alloc(2048, 32), NOW, {
      ...DEFAULT_DECODE_LIMITS,
      maxBytes: 1024,
    });
    expect(big.rejected[0]?.reason).toBe('payload of 2048 bytes exceeds the limit of 1024');
    const many = decodeMessage('greenops/v1/aarhus/fleet/v-1', bytes(Array(11).fill(valid.fleet[1])), NOW, {
      ...DEFAULT_DECODE_LIMITS,
      maxRecords: 10,
    });
    expect(many.rejected[0]?.reason).toBe('batch of 11 records exceeds the limit of 10');
  });

  it('survives deeply nested JSON without crashing', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const result = decodeMessage('greenops/v1/aarhus/fleet/v-1', bytes(deep), NOW);
    expect(result.records).toEqual([]);
    expect(result.rejected).toHaveLength(1);
  });

  it('accepts 29 February only in a leap year, and ids with escaped but harmless characters', () => {
    const record = (ts: string, id = 'r-1') =>
      bytes(
        JSON.stringify({
          id,
          ts,
          siteId: 's-1',
          quantity: 'electricity',
          unit: 'kWh',
          kind: 'interval',
          value: 1,
        }),
      );
    const topic = 'greenops/v1/aarhus/energy/gw-1';
    expect(decodeMessage(topic, record('2024-02-29T23:59:59+01:00'), NOW).records).toHaveLength(1);
    expect(decodeMessage(topic, record('2000-02-29T00:00:00Z'), NOW).records).toHaveLength(1);
    expect(decodeMessage(topic, record('1900-02-29T00:00:00Z'), NOW).rejected[0]?.reason).toContain(
      'calendar',
    );
    expect(decodeMessage(topic, record('2025-02-29T00:00:00Z'), NOW).rejected[0]?.reason).toContain(
      'calendar',
    );
    expect(
      decodeMessage(
        topic,
        bytes(
          '{"id":"r-\\u00e6","ts":"2026-01-05T00:00:00Z","siteId":"s-1","quantity":"electricity","unit":"kWh","kind":"interval","value":1}',
        ),
        NOW,
      ).records,
    ).toHaveLength(1);
  });

  it("never stores a record under another device's series: a named device stays inside the topic device's", () => {
    const body = (meterId: string) =>
      bytes(
        JSON.stringify({
          id: 'r-1',
          ts: '2026-01-05T12:15:00Z',
          meterId,
          siteId: 's-1',
          quantity: 'electricity',
          unit: 'kWh',
          kind: 'interval',
          value: 0,
        }),
      );
    const device = (topicDevice: string, meterId: string) =>
      decodeMessage(`greenops/v1/demo/energy/${topicDevice}`, body(meterId), NOW).records[0]?.points[0]?.tags
        .device;
    expect(device('meter-9', 'meter-001')).toBe('meter-9:meter-001');
    expect(device('gw-1', 'meter-1')).toBe('gw-1:meter-1');
    expect(device('meter-001', 'meter-001')).toBe('meter-001');
  });

  it('maps a record to points with bounded tags and normalised units', () => {
    const [heat] = decodeMessage('greenops/v1/aarhus/energy/gw-9', bytes(valid.energy[1]), NOW).records;
    expect(heat?.points).toEqual([
      {
        measurement: 'energy',
        tags: { tenant: 'aarhus', device: 'gw-9', site: 'school-7', quantity: 'district_heat' },
        fields: { kwh: expect.closeTo(100, 9), interval_s: 3600 },
        timeMs: Date.UTC(2026, 0, 5, 9),
      },
    ]);
    const [water] = decodeMessage('greenops/v1/aarhus/energy/gw-9', bytes(valid.energy[2]), NOW).records;
    expect(water?.points[0]?.fields).toEqual({ register_m3: expect.closeTo(123.456, 9) });
    const [traffic] = decodeMessage('greenops/v1/aarhus/traffic/c-3', bytes(valid.traffic[0]), NOW).records;
    expect(traffic?.points[0]?.tags).toEqual({ tenant: 'aarhus', device: 'c-3', direction: 'in', lane: '1' });
    expect(traffic?.points[0]?.fields.count_total).toBe(173);
  });

  it('never puts ids or driver pseudonyms in tags', () => {
    for (const stream of STREAM_NAMES) {
      for (const record of valid[stream]) {
        const [decoded] = decodeMessage(`greenops/v1/aarhus/${stream}/dev-1`, bytes(record), NOW).records;
        const tagValues = Object.values(decoded!.points[0]!.tags);
        expect(tagValues).not.toContain(record.id);
        if (record.driverId) expect(tagValues).not.toContain(record.driverId);
      }
    }
  });

  it('gives detections with equal timestamps distinct point identities, and a re-sent one the same', () => {
    const topic = 'greenops/v1/aarhus/road/cam-1';
    const a = decodeMessage(topic, bytes(valid.road[0]), NOW).records[0]!.points[0]!;
    const b = decodeMessage(topic, bytes({ ...valid.road[0], id: 'd1-second' }), NOW).records[0]!.points[0]!;
    const again = decodeMessage(topic, bytes(valid.road[0]), NOW).records[0]!.points[0]!;
    expect(a.timeMs).toBe(b.timeMs);
    expect(a.nanos).not.toBe(b.nanos);
    expect(again.nanos).toBe(a.nanos);
  });

  it('refuses control and direction-override characters, escaped or raw, ASCII payload or not', () => {
    const topic = 'greenops/v1/aarhus/energy/gw-1';
    // The record id is free text (the ids and names with a pattern refuse these characters by the pattern).
    const withId = (idJson: string) =>
      bytes(
        `{"id":${idJson},"ts":"2026-01-05T00:00:00Z","siteId":"s-1","quantity":"electricity","unit":"kWh","kind":"interval","value":1}`,
      );
    const refused = (idJson: string) => decodeMessage(topic, withId(idJson), NOW).rejected[0]?.reason;
    expect(refused('"s-\\u0000"')).toContain('/id: contains a control');
    expect(refused('"s-\\u001b[2J"')).toContain('/id: contains a control');
    expect(refused('"s-\u007f"')).toContain('/id: contains a control'); // raw DEL: ASCII
    expect(refused('"s-\u0085"')).toContain('/id: contains a control'); // raw C1: not ASCII
    expect(refused('"s-\u202e"')).toContain('/id: contains a control'); // raw bidi override
    expect(refused('"s-\\u202E"')).toContain('/id: contains a control');
    // Letters outside ASCII, raw or escaped, are fine.
    expect(decodeMessage(topic, withId('"Ærø-\\u00f8"'), NOW).records).toHaveLength(1);
  });
});
