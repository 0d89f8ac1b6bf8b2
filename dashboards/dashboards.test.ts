import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleEnergyCsv } from '../cli/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger, decodeMessage, formatTopic, type Point } from '../core/index.js';
import { createSimulators } from '../edge/index.js';
import {
  CORPUS_CATEGORIES,
  DEFAULT_WASTE_SETTINGS,
  FileModelRegistry,
  retrainTenant,
  writeEnergyAnalysis,
  writeForecasts,
  CORPUS_VERSION,
  DEFAULT_FACTOR_TABLE,
  DEFAULT_TRAFFIC_SETTINGS,
  DEFAULT_FLEET_DEFAULTS,
  DEFAULT_FLEET_SETTINGS,
  FleetService,
  LocalCalendar,
  TrafficService,
  TextClassifier,
  buildCorpus,
  estimateInvoiceFiles,
  monthlyPoints,
  sampleInvoices,
  trainClassifier,
  CounterExposure,
  DefectTracker,
  ROAD_MIGRATIONS,
  RoadDefects,
  roadIngestHooks,
  roadResultPoints,
} from '../models/index.js';
import { InfluxDeadLetterStore, InfluxStore, PgliteRecordStore, migrate } from '../store/index.js';
import { requireServer } from '../test/harness/debian-packages.js';
import { startInfluxd, type InfluxServer } from '../test/harness/influxd.js';

interface Panel {
  title: string;
  /** Grafana's relative-time override of one panel (a yearly figure needs more than the dashboard's range). */
  timeFrom?: string;
  targets: { query: string }[];
}

interface Dashboard {
  time: { from: string };
  panels: Panel[];
  templating: { list: { name: string; query: string }[] };
}

const folder = new URL('./', import.meta.url);
const dashboards = readdirSync(folder)
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ file: f, dashboard: JSON.parse(readFileSync(new URL(f, folder), 'utf8')) as Dashboard }));

/** Grafana's InfluxQL macros, as Grafana fills them in for the dashboard's default range (now-7d, now-2y, …). */
function expand(query: string, dashboard: Dashboard, panel?: Panel): string {
  const range = (panel?.timeFrom ? `now-${panel.timeFrom}` : dashboard.time.from)
    .replace(/^now-(\d+)y$/, (_, years: string) => `${Number(years) * 365}d`)
    .replace(/^now-/, '');
  return query
    .replaceAll('$timeFilter', `time > now() - ${range}`)
    .replaceAll('$__interval', '1h')
    .replaceAll('$tenant', 'demo')
    .replaceAll('$meter', '.*')
    .replaceAll('$site', '.*');
}

describe.runIf(requireServer('influxd'))(
  'Grafana dashboards against a real InfluxDB with simulated data',
  () => {
    let server: InfluxServer;
    let store: InfluxStore;

    beforeAll(async () => {
      server = await startInfluxd('dashboards');
      store = await InfluxStore.connect({
        url: server.url,
        database: 'dashboards',
        logger: createMemoryLogger().logger,
      });
      const now = Date.now();
      const points: Point[] = [];
      // Road defects: the simulated cameras' detections clustered in a records store, as the ingest's hook does.
      const records = await PgliteRecordStore.open('memory://');
      await migrate(records, [ROAD_MIGRATIONS]);
      const tracker = new DefectTracker({
        records,
        exposure: new CounterExposure({ locations: {}, maxDistanceM: 500, defaultAadt: 2000 }),
        logger: createMemoryLogger().logger,
      });
      await tracker.start();
      const hooks = roadIngestHooks(tracker);
      const hooked: Promise<void>[] = [];
      // Six days back always holds weekday working hours, when vehicles drive (two days back from a Sunday did not).
      for (const sim of createSimulators('all', { devices: 6, seed: 3, startMs: now - 6 * 86_400_000 })) {
        for (let n = 0; n < 20_000; n++) {
          let device = 0;
          for (let i = 1; i < sim.deviceIds.length; i++)
            if (sim.nextTime(i) < sim.nextTime(device)) device = i;
          if (sim.nextTime(device) > now) break;
          const records = sim.emit(device);
          if (records.length === 0) continue;
          const topic = formatTopic({
            tenant: 'demo',
            stream: sim.stream,
            deviceId: sim.deviceIds[device] as string,
          });
          for (const d of decodeMessage(topic, Buffer.from(JSON.stringify(records)), now).records) {
            points.push(...d.points);
            if (d.stream === 'road' || d.stream === 'fleet') hooked.push(hooks[d.stream](d));
          }
        }
      }
      for (let i = 0; i < points.length; i += 5000) await store.write(points.slice(i, i + 5000));
      await Promise.all(hooked);
      await tracker.stop();
      const defects = new RoadDefects(records);
      const reviewer = { id: 'k_test', name: 'inspector' };
      const { defects: open } = await defects.list('demo', { limit: 6, corroborated: true });
      for (const [i, d] of open.entries())
        await defects.act(
          'demo',
          d.id,
          i % 3 === 2 ? 'reject' : 'confirm',
          { reason: 'false_positive' },
          reviewer,
          undefined,
        );
      await store.write(await roadResultPoints(records, defects, 'demo', now));
      await records.close();
      // The traffic results the API process writes for dashboards, from the simulated counters' intervals.
      const traffic = new TrafficService({ store, settings: DEFAULT_TRAFFIC_SETTINGS, now: () => now });
      const cph = new LocalCalendar(DEFAULT_TRAFFIC_SETTINGS.timeZone);
      for (const year of new Set([cph.local(now - 6 * 86_400_000).year, cph.local(now).year]))
        await traffic.writeResults('demo', year);
      // The fleet results the API process writes: trips, vehicle-days, availability and EV verdicts.
      await new FleetService({
        store,
        settings: DEFAULT_FLEET_SETTINGS,
        defaults: DEFAULT_FLEET_DEFAULTS,
      }).writeResults('demo', now - 6 * 86_400_000, now);
      // The invoice CO2 account: sample e-invoices, estimated and written as the monthly series the API writes.
      const { train } = buildCorpus();
      const classifier = new TextClassifier(
        await trainClassifier(
          train.filter((_, i) => i % 10 === 0),
          CORPUS_CATEGORIES,
          { corpusVersion: CORPUS_VERSION, corrections: 0 },
          [],
          { epochs: 1 },
        ),
      );
      const { files } = sampleInvoices(DEFAULT_FACTOR_TABLE, { files: 60, linesPerFile: 5, seed: 4 });
      const doc = estimateInvoiceFiles(files, { table: DEFAULT_FACTOR_TABLE, classifier });
      await store.write(monthlyPoints('demo', doc.lines).points);
      // The energy results a training writes: 64 days of three generated meters (one with its ventilation left on
      // over the last nights), trained and backtested, tomorrow's forecasts, waste findings and the baseline.
      const energy: Point[] = [];
      const hour = 3_600_000;
      const startMs = Math.floor(now / hour) * hour - 64 * 86_400_000;
      for (const line of sampleEnergyCsv(3, 64, 8, startMs).trim().split('\n').slice(1)) {
        const [ts, meter, kwh, temp, site] = line.split(',') as [string, string, string, string, string];
        const t = Date.parse(ts);
        const night = new Date(t).getUTCHours() < 4;
        const leftOn = meter === 'meter-001' && night && t > now - 5 * 86_400_000 ? 3 : 1;
        energy.push({
          measurement: 'energy',
          tags: { tenant: 'demo', device: `fm-${meter}`, site: `fm-${site}`, quantity: 'electricity' },
          fields: { kwh: Number(kwh) * leftOn, outdoor_temp_c: Number(temp), interval_s: 3600 },
          timeMs: t,
        });
      }
      for (let i = 0; i < energy.length; i += 5000) await store.write(energy.slice(i, i + 5000));
      const registry = new FileModelRegistry(mkdtempSync(join(tmpdir(), 'greenops-dash-energy-')));
      const trained = await retrainTenant({
        store,
        registry,
        tenant: 'demo',
        days: 64,
        holdoutDays: 30,
        epochs: 2,
        nowMs: now,
      });
      if ('skipped' in trained) throw new Error(trained.skipped);
      expect(await writeForecasts(store, registry, 'demo', now)).toBeGreaterThan(0);
      expect(
        await writeEnergyAnalysis(store, 'demo', DEFAULT_WASTE_SETTINGS, { nowMs: now }),
      ).toBeGreaterThan(0);
      await new InfluxDeadLetterStore(store).add([
        {
          receivedMs: now - 3_600_000,
          topic: 'greenops/v1/demo/fleet/x',
          tenant: 'demo',
          stream: 'fleet',
          reason: 'invalid JSON',
          payload: Buffer.from('{'),
        },
      ]);
    }, 240_000);

    afterAll(async () => {
      await server?.destroy();
    });

    it('has dashboards to test', () => {
      expect(dashboards.map((d) => d.file)).toEqual(
        expect.arrayContaining([
          'greenops-overview.json',
          'greenops-co2.json',
          'greenops-traffic.json',
          'greenops-fleet.json',
          'greenops-road.json',
          'greenops-energy.json',
        ]),
      );
    });

    for (const { file, dashboard } of dashboards) {
      it(`${file}: the tenant variable lists the municipalities, and other variables have values`, async () => {
        for (const variable of dashboard.templating.list) {
          const [series] = await store.query(expand(variable.query, dashboard));
          if (variable.name === 'tenant') expect(series?.values.map((v) => v[1])).toContain('demo');
          else expect(series?.values.length, variable.name).toBeGreaterThan(0);
        }
      });

      for (const panel of dashboard.panels) {
        it(`${file}: "${panel.title}" runs and returns data`, async () => {
          for (const target of panel.targets) {
            const query = expand(target.query, dashboard, panel);
            const series = await store.query(query);
            expect(series.length, query).toBeGreaterThan(0);
            expect(series.some((s) => s.values.some((row) => row.slice(1).some((v) => v !== null)))).toBe(
              true,
            );
          }
        });
      }
    }
  },
);
