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
      expect(tenants).toContain(a);
      expect(tenants).toContain(b);
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
