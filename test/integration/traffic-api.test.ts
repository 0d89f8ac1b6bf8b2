import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_TRAFFIC_SETTINGS,
  TRAFFIC_DAILY_MEASUREMENT,
  TRAFFIC_YEARLY_MEASUREMENT,
  TrafficResultsJob,
  TrafficService,
} from '../../models/index.js';
import { createMemoryLogger } from '../../core/index.js';
import { startAccessApi, type AccessApi } from '../harness/access-api.js';
import {
  DAY_SHAPE,
  PERMANENT_COUNTERS,
  SHORT_COUNTER,
  trafficPoints,
  trueAadt,
  type PatternCounter,
} from '../fixtures/traffic-counters.js';

const permanent = PERMANENT_COUNTERS;
const short = SHORT_COUNTER;
const points = trafficPoints;

describe('traffic routes over the real API and a DuckDB store', () => {
  let api: AccessApi;
  let roads: string;
  let job: TrafficResultsJob | undefined;

  beforeAll(async () => {
    api = await startAccessApi({ metrics: () => job?.metrics() ?? [] });
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

  it('exports every counter’s key figures of a year as CSV in the Danish key-figure shape', async () => {
    const res = await fetch(`${api.base}/api/v1/traffic/key-figures?year=2024`, {
      headers: { authorization: `Bearer ${roads}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('x-greenops-counters')).toBe('4/4');
    const bytes = new Uint8Array(await res.arrayBuffer());
    // A byte-order mark first, so a spreadsheet reads æøå as UTF-8.
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder().decode(bytes);
    const [header, ...rows] = text.trimEnd().split('\r\n') as [string, ...string[]];
    const columns = header.split(';');
    const cell = (row: string, name: string) => row.split(';')[columns.indexOf(name)];
    expect(rows.map((r) => [cell(r, 'Tællested'), cell(r, 'Metode')])).toEqual([
      ['beach-a', 'aashto'],
      ['road-a', 'aashto'],
      ['road-b', 'aashto'],
      ['road-short', 'short-count'],
    ]);
    const roadA = rows.find((r) => r.startsWith('road-a;')) as string;
    expect(Number(cell(roadA, 'ÅDT'))).toBe(Math.round(trueAadt(permanent[0] as PatternCounter)));
  });

  it('exports open data as GeoJSON under CC BY 4.0', async () => {
    const res = await fetch(`${api.base}/api/v1/traffic/open-data?year=2024&format=geojson`, {
      headers: { authorization: `Bearer ${roads}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/geo\+json/);
    expect(res.headers.get('link')).toContain(
      '<https://creativecommons.org/licenses/by/4.0/>; rel="license"',
    );
    const doc = (await res.json()) as {
      license: string;
      features: { properties: { counter: string; aadt: number; method: string } }[];
    };
    expect(doc.license).toBe('CC-BY-4.0');
    expect(doc.features.map((f) => f.properties.counter)).toEqual([
      'beach-a',
      'road-a',
      'road-b',
      'road-short',
    ]);
    expect(doc.features[1]?.properties.aadt).toBe(Math.round(trueAadt(permanent[0] as PatternCounter)));
  });

  it('writes daily and yearly results to the store, the same points again on a second run', async () => {
    const traffic = new TrafficService({ store: api.db.store, settings: DEFAULT_TRAFFIC_SETTINGS });
    const read = async (measurement: string, field: string) =>
      api.db.store.querySeries({
        measurement,
        tenant: 'aarhus',
        field,
        tags: { device: 'road-a' },
        fromMs: Date.UTC(2023, 11, 31),
        toMs: Date.UTC(2025, 0, 1),
      });
    const first = await traffic.writeResults('aarhus', 2024);
    expect(first.counters).toBe(4);
    const daily = await read(TRAFFIC_DAILY_MEASUREMENT, 'total');
    const yearly = await read(TRAFFIC_YEARLY_MEASUREMENT, 'aadt');
    expect(daily).toHaveLength(366);
    // Local days: 1 January begins at 23:00 UTC the day before in Copenhagen.
    expect(new Date(daily[0]!.timeMs).toISOString()).toBe('2023-12-31T23:00:00.000Z');
    expect(yearly).toEqual([{ timeMs: Date.UTC(2023, 11, 31, 23), value: expect.any(Number) }]);
    expect(Math.abs((yearly[0]!.value as number) - trueAadt(permanent[0] as PatternCounter))).toBeLessThan(1);

    const again = await traffic.writeResults('aarhus', 2024);
    expect(again.points).toBe(first.points);
    expect(await read(TRAFFIC_DAILY_MEASUREMENT, 'total')).toEqual(daily);
    expect(await read(TRAFFIC_YEARLY_MEASUREMENT, 'aadt')).toEqual(yearly);
    const short = await api.db.store.querySeries({
      measurement: TRAFFIC_YEARLY_MEASUREMENT,
      tenant: 'aarhus',
      field: 'method',
      tags: { device: 'road-short' },
      fromMs: Date.UTC(2023, 11, 31),
      toMs: Date.UTC(2025, 0, 1),
    });
    expect(short.map((r) => r.value)).toEqual([1]);
  });

  it('exposes each counter’s health on /metrics for alerting, for every tenant with counters', async () => {
    // A second municipality with one counter, counting on (its points run to the end of 20 September).
    await api.db.store.write(
      points(permanent[0] as PatternCounter, '2024-09-01', '2024-09-21', () => false, 'odense'),
    );
    job = new TrafficResultsJob({
      traffic: new TrafficService({ store: api.db.store, settings: DEFAULT_TRAFFIC_SETTINGS }),
      everyMinutes: 0,
      logger: createMemoryLogger().logger,
      now: () => Date.parse('2024-09-20T12:00:00Z'),
    });
    await job.runOnce();
    const monitoring = await api.access.key('monitoring', 'aarhus');
    const res = await fetch(`${api.base}/metrics`, { headers: { authorization: `Bearer ${monitoring}` } });
    const text = await res.text();
    // road-short stopped counting on 16 September: at fault; the others count on.
    expect(text).toContain('greenops_traffic_counter_status{tenant="aarhus",device="road-short"} 2');
    expect(text).toMatch(/greenops_traffic_counter_status\{tenant="aarhus",device="road-a"\} [01]\n/);
    expect(text).toContain('greenops_traffic_counters_at_fault 1');
    expect(text).toMatch(/greenops_traffic_counter_status\{tenant="odense",device="road-a"\} [01]\n/);
    const odense = await api.db.store.querySeries({
      measurement: TRAFFIC_DAILY_MEASUREMENT,
      tenant: 'odense',
      field: 'total',
      tags: { device: 'road-a' },
      fromMs: Date.UTC(2024, 8, 1),
      toMs: Date.UTC(2024, 8, 30),
    });
    expect(odense.length).toBeGreaterThanOrEqual(18);
  });

  it.each([
    ['/api/v1/traffic/key-figures?year=1999', 'year'],
    ['/api/v1/traffic/open-data?format=shp', 'format'],
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
