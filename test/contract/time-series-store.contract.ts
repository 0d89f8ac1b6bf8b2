import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import type { Point } from '../../core/index.js';
import type { TimeSeriesStore } from '../../store/index.js';

export interface StoreUnderTest {
  store: TimeSeriesStore;
  close(): Promise<void>;
}

const H = 3_600_000;
const T0 = Date.UTC(2026, 0, 5, 0, 0, 0); // a Monday

let tenantSeq = 0;
/** Each test writes under its own tenant so tests never see each other's points. */
function freshTenant(): string {
  tenantSeq += 1;
  return `contract-${process.pid}-${tenantSeq}`;
}

function energy(
  tenant: string,
  device: string,
  timeMs: number,
  kwh: number,
  site = 'site-a',
  nanos?: number,
): Point {
  return {
    measurement: 'energy',
    tags: { tenant, device, site, quantity: 'electricity' },
    fields: { kwh },
    timeMs,
    ...(nanos === undefined ? {} : { nanos }),
  };
}

/**
 * The storage contract every TimeSeriesStore adapter must pass. It is run against DuckDB and a real InfluxDB
 * process; a behaviour that differs between them is a bug in one adapter.
 */
export function timeSeriesStoreContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`TimeSeriesStore contract: ${name}`, () => {
    let subject: StoreUnderTest;
    let store: TimeSeriesStore;
    beforeAll(async () => {
      subject = await open();
      store = subject.store;
    });
    afterAll(async () => {
      await subject?.close();
    });

    it('abandons a series query that runs past its time with QUERY_TOO_LARGE, and answers the next one', async () => {
      const tenant = freshTenant();
      const points: Point[] = [];
      for (let i = 0; i < 100_000; i++) points.push(energy(tenant, `m${i % 50}`, T0 + i * 1000, i % 7));
      for (let i = 0; i < points.length; i += 20_000) await store.write(points.slice(i, i + 20_000));
      const query = {
        measurement: 'energy',
        tenant,
        field: 'kwh',
        tags: { site: 'site-a' },
        fromMs: T0,
        toMs: T0 + 100_000_000,
        everyMs: 1000,
        fn: 'mean' as const,
        limit: 10_000,
      };
      const refused = await store.querySeries({ ...query, timeoutMs: 1 }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(refused).toMatchObject({ code: 'QUERY_TOO_LARGE', status: 413 });
      const rows = await store.querySeries({ ...query, timeoutMs: 60_000 });
      expect(rows).toHaveLength(10_000);
      const scan = {
        measurement: 'energy',
        tenant,
        devices: Array.from({ length: 50 }, (_, i) => `m${i}`),
        fields: ['kwh'],
        fromMs: T0,
        toMs: T0 + 100_000_000,
      };
      const scanRefused = await store
        .scanFields({ ...scan, timeoutMs: 1 }, () => undefined)
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      expect(scanRefused).toMatchObject({ code: 'QUERY_TOO_LARGE', status: 413 });
      expect(await store.scanFields({ ...scan, timeoutMs: 60_000 }, () => undefined)).toBe(100_000);
    });

    it('scans numeric fields of several devices column-wise: each device in time order, series at one time merged', async () => {
      const tenant = freshTenant();
      const sample = (device: string, i: number, tags: Record<string, string> = {}): Point => ({
        measurement: 'fleet',
        tags: { tenant, device, ...tags },
        fields: { speed_kmh: i % 90, ignition: i % 3 === 0, lat: 56 + i / 1e6, driver: 'abcdef0123456789' },
        timeMs: T0 + i * 1000,
      });
      // 5,001 samples of the van (more than one chunk on every store), written newest first; three of the car; a bus
      // that is not asked for; and an odometer reading of the van at one time in a series of its own.
      const points: Point[] = [];
      for (let i = 5000; i >= 0; i--) points.push(sample('van', i));
      points.push(sample('car', 7), sample('car', 1), sample('car', 4), sample('bus', 2));
      points.push({
        measurement: 'fleet',
        tags: { tenant, device: 'van', powertrain: 'ice' },
        fields: { odometer_km: 1234.5 },
        timeMs: T0 + 1000,
      });
      for (let i = 0; i < points.length; i += 2000) await store.write(points.slice(i, i + 2000));
      const devices = ['car', 'van', 'ghost'];
      const rows = new Map<string, number[][]>(devices.map((d) => [d, []]));
      const total = await store.scanFields(
        {
          measurement: 'fleet',
          tenant,
          devices,
          fields: ['speed_kmh', 'ignition', 'driver', 'odometer_km', 'lat'],
          fromMs: T0,
          toMs: T0 + 5_000_000,
        },
        (chunk) => {
          expect(chunk.columns).toHaveLength(5);
          for (let k = 0; k < chunk.length; k++)
            rows
              .get(devices[chunk.device[k] as number] as string)
              ?.push([chunk.timeMs[k] as number, ...chunk.columns.map((c) => c[k] as number)]);
        },
      );
      const van = rows.get('van') as number[][];
      expect(total).toBe(5003);
      expect(van).toHaveLength(5000); // the sample at toMs is outside
      expect(van.every((r, k) => r[0] === T0 + k * 1000)).toBe(true);
      expect(van[0]).toEqual([T0, 0, 1, Number.NaN, Number.NaN, 56]);
      expect(van[1]).toEqual([T0 + 1000, 1, 0, Number.NaN, 1234.5, 56 + 1 / 1e6]);
      expect(van[4999]).toEqual([T0 + 4_999_000, 4999 % 90, 0, Number.NaN, Number.NaN, 56 + 4999 / 1e6]);
      expect(rows.get('car')?.map((r) => r[0])).toEqual([T0 + 1000, T0 + 4000, T0 + 7000]);
      expect(rows.get('ghost')).toEqual([]);
    });

    it('reads several fields of a series in one query, a row per time in field order, limited by times', async () => {
      const tenant = freshTenant();
      const sample = (
        device: string,
        timeMs: number,
        speed: number,
        ignition: boolean,
        driver?: string,
      ): Point => ({
        measurement: 'fleet',
        tags: { tenant, device },
        fields: { speed_kmh: speed, ignition, lat: 56.1, ...(driver ? { driver } : {}) },
        timeMs,
      });
      await store.write([
        sample('van', T0 + 2000, 30, true, 'abcdef0123456789'),
        sample('van', T0, 0, false),
        sample('van', T0 + 1000, 12.5, true),
        sample('car', T0 + 1000, 99, true),
        sample('van', T0 + 3000, 5, true),
      ]);
      const query = {
        measurement: 'fleet',
        tenant,
        fields: ['ignition', 'speed_kmh', 'driver', 'odometer_km'],
        tags: { device: 'van' },
        fromMs: T0,
        toMs: T0 + 3000,
      };
      expect(await store.queryFields(query)).toEqual([
        { timeMs: T0, values: [false, 0, null, null] },
        { timeMs: T0 + 1000, values: [true, 12.5, null, null] },
        { timeMs: T0 + 2000, values: [true, 30, 'abcdef0123456789', null] },
      ]);
      const limited = await store.queryFields({ ...query, limit: 2 });
      expect(limited.map((r) => r.timeMs)).toEqual([T0, T0 + 1000]);
    });

    it('returns written points in time order within [from, to)', async () => {
      const tenant = freshTenant();
      await store.write([
        energy(tenant, 'm1', T0 + 2 * H, 3),
        energy(tenant, 'm1', T0, 1),
        energy(tenant, 'm1', T0 + H, 2),
        energy(tenant, 'm1', T0 + 3 * H, 4),
      ]);
      const rows = await store.querySeries({
        measurement: 'energy',
        tenant,
        field: 'kwh',
        tags: { device: 'm1' },
        fromMs: T0,
        toMs: T0 + 3 * H,
      });
      expect(rows).toEqual([
        { timeMs: T0, value: 1 },
        { timeMs: T0 + H, value: 2 },
        { timeMs: T0 + 2 * H, value: 3 },
      ]);
    });

    it('overwrites a point written again with the same tags and time instead of duplicating it', async () => {
      const tenant = freshTenant();
      await store.write([energy(tenant, 'm1', T0, 1)]);
      await store.write([energy(tenant, 'm1', T0, 5)]);
      await store.write([energy(tenant, 'm1', T0, 7), energy(tenant, 'm1', T0, 9)]);
      const rows = await store.querySeries({
        measurement: 'energy',
        tenant,
        field: 'kwh',
        tags: { device: 'm1' },
        fromMs: T0,
        toMs: T0 + H,
      });
      expect(rows).toEqual([{ timeMs: T0, value: 9 }]);
      const devices = await store.listDevices('energy', tenant);
      expect(devices).toEqual([{ device: 'm1', lastSeenMs: T0, records: 1 }]);
    });

    it('keeps points whose times differ only below the millisecond apart', async () => {
      const tenant = freshTenant();
      await store.write([energy(tenant, 'm1', T0, 1, 'site-a', 1), energy(tenant, 'm1', T0, 2, 'site-a', 2)]);
      const rows = await store.querySeries({
        measurement: 'energy',
        tenant,
        field: 'kwh',
        tags: { device: 'm1' },
        fromMs: T0,
        toMs: T0 + 1,
      });
      expect(rows.map((r) => r.value)).toEqual([1, 2]);
    });

    it('aggregates per window aligned to the epoch, skipping empty windows', async () => {
      const tenant = freshTenant();
      const points = [0, 15, 30, 45].map((m, i) => energy(tenant, 'm1', T0 + m * 60_000, i + 1));
      points.push(energy(tenant, 'm1', T0 + 2 * H + 5 * 60_000, 10));
      await store.write(points);
      const base = {
        measurement: 'energy',
        tenant,
        field: 'kwh',
        tags: { device: 'm1' },
        fromMs: T0,
        toMs: T0 + 3 * H,
        everyMs: H,
      };
      expect(await store.querySeries({ ...base, fn: 'sum' })).toEqual([
        { timeMs: T0, value: 10 },
        { timeMs: T0 + 2 * H, value: 10 },
      ]);
      expect(await store.querySeries({ ...base, fn: 'mean' })).toEqual([
        { timeMs: T0, value: 2.5 },
        { timeMs: T0 + 2 * H, value: 10 },
      ]);
      expect((await store.querySeries({ ...base, fn: 'min' }))[0]?.value).toBe(1);
      expect((await store.querySeries({ ...base, fn: 'max' }))[0]?.value).toBe(4);
      expect((await store.querySeries({ ...base, fn: 'count' }))[0]?.value).toBe(4);
      expect((await store.querySeries({ ...base, fn: 'last' }))[0]?.value).toBe(4);
    });

    it('filters by tags other than device, across devices', async () => {
      const tenant = freshTenant();
      await store.write([
        energy(tenant, 'm1', T0, 1, 'site-a'),
        energy(tenant, 'm2', T0, 2, 'site-a'),
        energy(tenant, 'm3', T0, 4, 'site-b'),
      ]);
      const rows = await store.querySeries({
        measurement: 'energy',
        tenant,
        field: 'kwh',
        tags: { site: 'site-a' },
        fromMs: T0,
        toMs: T0 + H,
        everyMs: H,
        fn: 'sum',
      });
      expect(rows).toEqual([{ timeMs: T0, value: 3 }]);
    });

    it('lists only the devices that carry a given tag value', async () => {
      const tenant = freshTenant();
      await store.write([
        energy(tenant, 'm1', T0, 1, 'site-a'),
        energy(tenant, 'm2', T0, 2, 'site-b'),
        energy(tenant, 'm3', T0, 3, 'site-a'),
      ]);
      expect((await store.listDevices('energy', tenant, { site: 'site-a' })).map((d) => d.device)).toEqual([
        'm1',
        'm3',
      ]);
      expect(await store.listDevices('energy', tenant, { site: 'nowhere' })).toEqual([]);
      expect(await store.listDeviceNames('energy', tenant, { site: 'site-a' })).toEqual(['m1', 'm3']);
      expect(await store.listDeviceNames('energy', tenant)).toEqual(['m1', 'm2', 'm3']);
      expect(await store.listDeviceNames('energy', tenant, { site: 'nowhere' })).toEqual([]);
      expect(await store.listDeviceNames('energy', freshTenant())).toEqual([]);
      const later = await store.listDeviceNames('energy', tenant, {}, { fromMs: T0, toMs: T0 + H });
      expect(later).toEqual(expect.arrayContaining(['m1', 'm2', 'm3']));
    });

    it('keeps tenants apart', async () => {
      const a = freshTenant();
      const b = freshTenant();
      await store.write([energy(a, 'm1', T0, 1), energy(b, 'm1', T0, 100)]);
      const rows = await store.querySeries({
        measurement: 'energy',
        tenant: a,
        field: 'kwh',
        tags: { device: 'm1' },
        fromMs: T0,
        toMs: T0 + H,
      });
      expect(rows).toEqual([{ timeMs: T0, value: 1 }]);
      expect(await store.listDevices('energy', b)).toHaveLength(1);
      const tenants = await store.listTenants('energy');
      expect(tenants).toEqual(expect.arrayContaining([a, b]));
      expect(tenants).toEqual([...tenants].sort());
      expect(await store.listTenants('no_such_measurement')).toEqual([]);
    });

    it('returns nothing for an empty range or an unknown series', async () => {
      const tenant = freshTenant();
      await store.write([energy(tenant, 'm1', T0, 1)]);
      expect(
        await store.querySeries({
          measurement: 'energy',
          tenant,
          field: 'kwh',
          tags: { device: 'm1' },
          fromMs: T0 + H,
          toMs: T0 + 2 * H,
        }),
      ).toEqual([]);
      expect(
        await store.querySeries({
          measurement: 'energy',
          tenant,
          field: 'kwh',
          tags: { device: 'nope' },
          fromMs: T0,
          toMs: T0 + H,
          everyMs: H,
          fn: 'sum',
        }),
      ).toEqual([]);
      expect(await store.listDevices('energy', freshTenant())).toEqual([]);
    });

    it('accepts late, out-of-order points into windows already written', async () => {
      const tenant = freshTenant();
      await store.write([energy(tenant, 'm1', T0 + 2 * H, 5)]);
      await store.write([energy(tenant, 'm1', T0 + 30 * 60_000, 1)]);
      await store.write([energy(tenant, 'm1', T0 + 2 * H + 60_000, 6)]);
      const rows = await store.querySeries({
        measurement: 'energy',
        tenant,
        field: 'kwh',
        tags: { device: 'm1' },
        fromMs: T0,
        toMs: T0 + 3 * H,
        everyMs: H,
        fn: 'sum',
      });
      expect(rows).toEqual([
        { timeMs: T0, value: 1 },
        { timeMs: T0 + 2 * H, value: 11 },
      ]);
      const [device] = await store.listDevices('energy', tenant);
      expect(device).toMatchObject({ device: 'm1', lastSeenMs: T0 + 2 * H + 60_000, records: 3 });
    });

    it('stores string and boolean fields and returns the latest value before a time', async () => {
      const tenant = freshTenant();
      const fleet = (timeMs: number, ignition: boolean, driver: string): Point => ({
        measurement: 'fleet',
        tags: { tenant, device: 'v1' },
        fields: { ignition, driver, speed_kmh: ignition ? 30 : 0 },
        timeMs,
      });
      await store.write([fleet(T0, true, 'aaaa000011112222'), fleet(T0 + 60_000, false, 'bbbb000011112222')]);
      const ignition = await store.querySeries({
        measurement: 'fleet',
        tenant,
        field: 'ignition',
        tags: { device: 'v1' },
        fromMs: T0,
        toMs: T0 + H,
      });
      expect(ignition.map((r) => r.value)).toEqual([true, false]);
      const latest = await store.latest({
        measurement: 'fleet',
        tenant,
        tags: { device: 'v1' },
        field: 'driver',
        beforeMs: T0 + 60_000,
      });
      expect(latest).toEqual({ timeMs: T0, value: 'aaaa000011112222' });
      expect(
        await store.latest({
          measurement: 'fleet',
          tenant,
          tags: { device: 'v1' },
          field: 'driver',
          beforeMs: T0,
        }),
      ).toBeUndefined();
    });

    it('treats tag values with quotes, commas and equals signs as data, not syntax', async () => {
      const tenant = freshTenant();
      const odd = ['x" OR 1=1', "a'b", 'c,d=e', 'back\\slash'];
      await store.write(odd.map((site, i) => energy(tenant, 'm1', T0 + i * 60_000, i + 1, site)));
      for (const [i, site] of odd.entries()) {
        const rows = await store.querySeries({
          measurement: 'energy',
          tenant,
          field: 'kwh',
          tags: { site },
          fromMs: T0,
          toMs: T0 + H,
        });
        expect(rows).toEqual([{ timeMs: T0 + i * 60_000, value: i + 1 }]);
      }
    });

    it('answers ping when usable', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
