import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger, type Point } from '../../core/index.js';
import { DEFAULT_TRAFFIC_SETTINGS, TRAFFIC_YEARLY_MEASUREMENT, TrafficService } from '../../models/index.js';
import { InfluxStore } from '../../store/index.js';
import { startAccessApi, type AccessApi } from '../harness/access-api.js';
import { requireServer } from '../harness/debian-packages.js';
import { startInfluxd, type InfluxServer } from '../harness/influxd.js';
import {
  PERMANENT_COUNTERS,
  SHORT_COUNTER,
  trafficPoints,
  trueAadt,
  type PatternCounter,
} from '../fixtures/traffic-counters.js';

const permanent = PERMANENT_COUNTERS;
const short = SHORT_COUNTER;
/** Traffic points as the ingest stores them; a missing hour on road-a's 3 June (an outage for health). */
const points = (c: PatternCounter, from: string, to: string): Point[] =>
  trafficPoints(
    c,
    from,
    to,
    (iv) => c.counter === 'road-a' && iv.startMs === Date.parse('2024-06-03T08:00:00Z'),
  );

describe.runIf(requireServer('influxd'))('traffic routes on a real InfluxDB answer as on DuckDB', () => {
  let server: InfluxServer;
  let influx: InfluxStore;
  let onDuck: AccessApi;
  let onInflux: AccessApi;
  let duckKey: string;
  let influxKey: string;

  beforeAll(async () => {
    server = await startInfluxd('traffic');
    influx = await InfluxStore.connect({
      url: server.url,
      database: 'traffic',
      logger: createMemoryLogger().logger,
    });
    onDuck = await startAccessApi();
    onInflux = await startAccessApi({ store: influx });
    duckKey = await onDuck.access.key('roads', 'aarhus');
    influxKey = await onInflux.access.key('roads', 'aarhus');
    const all = [
      ...permanent.flatMap((c) => points(c, '2024-01-01', '2025-01-01')),
      ...points(short, '2024-09-02', '2024-09-16'),
    ];
    for (let i = 0; i < all.length; i += 5000) {
      const batch = all.slice(i, i + 5000);
      await Promise.all([onDuck.db.store.write(batch), influx.write(batch)]);
    }
  }, 180_000);

  afterAll(async () => {
    await onDuck?.stop();
    await onInflux?.stop();
    await server?.destroy();
  });

  const both = async (path: string) => {
    const [duck, inf] = [
      await onDuck.call('GET', path, duckKey),
      await onInflux.call('GET', path, influxKey),
    ];
    expect(duck.status, path).toBe(200);
    expect(inf.status, path).toBe(200);
    return [duck.body, inf.body] as const;
  };

  it('gives the same AASHTO ÅDT, HVDT and July of a permanent counter on both stores', async () => {
    const [duck, inf] = await both('/api/v1/traffic/aadt?device=road-b&year=2024');
    const pick = (b: Record<string, unknown>) => ({
      aadt: b.aadt,
      hvdt: b.hvdt,
      july: b.july,
      days: b.days,
      speed: b.speed,
    });
    expect(pick(inf)).toEqual(pick(duck));
    expect((inf.aadt as { method: string }).method).toBe('aashto');
    expect(
      Math.abs((inf.aadt as { value: number }).value - trueAadt(permanent[1] as PatternCounter)),
    ).toBeLessThan(1);
  });

  it('expands a short count with the same factor group on both stores', async () => {
    const [duck, inf] = await both('/api/v1/traffic/aadt?device=road-short&year=2024');
    expect(inf.aadt).toEqual(duck.aadt);
    expect((inf.aadt as { method: string }).method).toBe('short-count');
  });

  it('gives the same local-day profile and the same outage on both stores', async () => {
    const range = 'from=2024-06-02T00:00:00%2B02:00&to=2024-06-05T00:00:00%2B02:00';
    const [duckProfile, infProfile] = await both(`/api/v1/traffic/profile?device=road-a&every=day&${range}`);
    expect(infProfile.rows).toEqual(duckProfile.rows);
    const [duckHealth, infHealth] = await both(`/api/v1/traffic/health?device=road-a&${range}`);
    expect(infHealth.issues).toEqual(duckHealth.issues);
    expect(infHealth.issues).toEqual([
      expect.objectContaining({ kind: 'outage', from: '2024-06-03T08:00:00.000Z', hours: 1 }),
    ]);
  });

  it('writes the yearly results to InfluxDB, the same point again on a second run', async () => {
    const traffic = new TrafficService({ store: influx, settings: DEFAULT_TRAFFIC_SETTINGS });
    const read = () =>
      influx.querySeries({
        measurement: TRAFFIC_YEARLY_MEASUREMENT,
        tenant: 'aarhus',
        field: 'aadt',
        tags: { device: 'road-b' },
        fromMs: Date.UTC(2023, 11, 31),
        toMs: Date.UTC(2025, 0, 1),
      });
    await traffic.writeResults('aarhus', 2024);
    const first = await read();
    await traffic.writeResults('aarhus', 2024);
    expect(await read()).toEqual(first);
    expect(first).toHaveLength(1);
    expect(Math.abs((first[0]!.value as number) - trueAadt(permanent[1] as PatternCounter))).toBeLessThan(1);
  });
});
