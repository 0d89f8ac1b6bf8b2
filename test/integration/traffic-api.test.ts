import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamDefinition, type Point, type TrafficRecord } from '../../core/index.js';
import { LocalCalendar } from '../../models/index.js';
import { startAccessApi, type AccessApi } from '../harness/access-api.js';
import {
  COMMUTER,
  DAY_SHAPE,
  LEISURE,
  patternIntervals,
  trueAadt,
  type PatternCounter,
} from '../fixtures/traffic-counters.js';

const cph = new LocalCalendar('Europe/Copenhagen');
const trafficStream = streamDefinition<TrafficRecord>('traffic');
const counter = (name: string, base: number, pattern = COMMUTER): PatternCounter => ({
  counter: name,
  base,
  ...pattern,
  hour: DAY_SHAPE,
});
const permanent = [counter('road-a', 800), counter('road-b', 1500), counter('beach-a', 600, LEISURE)];
const short = counter('road-short', 1200);

/** Traffic points as the ingest stores them, through the stream definition. */
function points(c: PatternCounter, from: string, to: string): Point[] {
  return patternIntervals(c, cph, from, to).flatMap((iv, i) =>
    trafficStream.toPoints(
      {
        id: `${c.counter}-${i}`,
        ts: new Date(iv.startMs).toISOString(),
        intervalSeconds: iv.seconds,
        direction: iv.direction,
        counts: { car: iv.counts.car as number },
        speed: { meanKmh: 42, v85Kmh: 50 },
        uptime: iv.uptime,
      },
      { tenant: 'aarhus', deviceId: c.counter, timeMs: iv.startMs },
    ),
  );
}

describe('traffic routes over the real API and a DuckDB store', () => {
  let api: AccessApi;
  let roads: string;

  beforeAll(async () => {
    api = await startAccessApi();
    roads = await api.access.key('roads', 'aarhus');
    for (const c of permanent) await api.db.store.write(points(c, '2024-01-01', '2025-01-01'));
    await api.db.store.write(points(short, '2024-09-02', '2024-09-16'));
  }, 120_000);
  afterAll(() => api?.stop());

  it('answers a permanent counter’s ÅDT by AASHTO over local days, with HVDT, July and shares', async () => {
    const res = await api.call('GET', '/api/v1/traffic/aadt?device=road-a&year=2024', roads);
    expect(res.status).toBe(200);
    const body = res.body as {
      aadt: { value: number; method: string; days: number };
      hvdt: number;
      july: number;
      modeShares: object;
      timeZone: string;
    };
    expect(body.aadt.method).toBe('aashto');
    expect(body.aadt.days).toBeGreaterThanOrEqual(365);
    expect(Math.abs(body.aadt.value - trueAadt(permanent[0] as PatternCounter))).toBeLessThan(1);
    expect(body.july).toBeGreaterThan(body.aadt.value);
    expect(body.modeShares).toEqual({ car: 1 });
    expect(body.timeZone).toBe('Europe/Copenhagen');
  });

  it('expands a short count with the tenant’s permanent counters of its pattern', async () => {
    const res = await api.call('GET', '/api/v1/traffic/aadt?device=road-short&year=2024&mode=car', roads);
    expect(res.status).toBe(200);
    const aadt = (
      res.body as { aadt: { value: number; method: string; factorGroup: { counters: string[] } } }
    ).aadt;
    expect(aadt.method).toBe('short-count');
    expect(aadt.factorGroup.counters.sort()).toEqual(['road-a', 'road-b']);
    expect(Math.abs(aadt.value - trueAadt(short)) / trueAadt(short)).toBeLessThan(0.01);
  });

  it('sums a local day of counts in the profile, with coverage and speeds', async () => {
    const res = await api.call(
      'GET',
      '/api/v1/traffic/profile?device=road-b&every=day&from=2024-06-03T00:00:00%2B02:00&to=2024-06-05T00:00:00%2B02:00',
      roads,
    );
    expect(res.status).toBe(200);
    const rows = (res.body as { rows: { start: string; total: number; coverage: number; meanKmh: number }[] })
      .rows;
    expect(rows.map((r) => r.start)).toEqual(['2024-06-02T22:00:00.000Z', '2024-06-03T22:00:00.000Z']);
    const b = permanent[1] as PatternCounter;
    const monday =
      b.base * (b.month[5] as number) * (b.weekday[0] as number) * DAY_SHAPE.reduce((x, y) => x + y, 0);
    expect(rows[0]?.total).toBeCloseTo(monday, 0);
    expect(rows[0]?.coverage).toBe(1);
    expect(rows[0]?.meanKmh).toBe(42);
  });

  it('reports a counter silent since its last count as an outage', async () => {
    const res = await api.call(
      'GET',
      '/api/v1/traffic/health?device=road-short&from=2024-09-01&to=2024-09-30',
      roads,
    );
    expect(res.status).toBe(200);
    const body = res.body as { status: string; issues: { kind: string; from: string }[] };
    expect(body.status).toBe('fault');
    expect(body.issues.some((i) => i.kind === 'outage' && i.from.startsWith('2024-09-15T22'))).toBe(true);
  });

  it.each([
    ['/api/v1/traffic/aadt?year=2024', 'device'],
    ['/api/v1/traffic/aadt?device=road-a&year=20x4', 'year'],
    ['/api/v1/traffic/aadt?device=road-a&mode=tram', 'mode'],
    ['/api/v1/traffic/profile?device=road-a&every=15m&from=-40d', 'from'],
    ['/api/v1/traffic/profile?device=road-a&direction=../x', 'direction'],
  ])('refuses %s with 400 naming %s', async (path, field) => {
    const res = await api.call('GET', path, roads);
    expect(res.status).toBe(400);
    expect((res.body.error as { field: string }).field).toBe(field);
  });
});
