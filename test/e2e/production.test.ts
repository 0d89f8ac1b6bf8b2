import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREAM_NAMES } from '../../core/index.js';
import { requireServer } from '../harness/debian-packages.js';
import { runCli, type CliProcess } from '../harness/cli-process.js';
import { startInfluxd, type InfluxServer } from '../harness/influxd.js';
import { startMosquitto, type MosquittoServer } from '../harness/mosquitto.js';
import { getJson, waitFor } from '../harness/wait-for.js';

type InfluxResult = {
  results: {
    series?: { name: string; columns: string[]; values: unknown[][]; tags?: Record<string, string> }[];
  }[];
};

const ready = requireServer('influxd') && requireServer('mosquitto');

describe.runIf(ready)(
  'production path: greenops start --store influx --broker mqtt://… against real servers',
  () => {
    let influx: InfluxServer;
    let mosquitto: MosquittoServer;
    let app: CliProcess;
    let api: string;
    let key: string;
    let dir: string;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'greenops-prod-'));
      influx = await startInfluxd('greenops');
      mosquitto = await startMosquitto({
        users: [{ username: 'greenops', password: 'pw', acl: ['topic readwrite greenops/v1/#'] }],
      });
      app = runCli(['start', '--store', 'influx', '--broker', mosquitto.url], {
        GREENOPS_DATA_DIR: dir,
        PORT: '0',
        INFLUX_URL: influx.url,
        INFLUX_DATABASE: 'greenops',
        MQTT_USERNAME: 'greenops',
        MQTT_PASSWORD: 'pw',
        GREENOPS_SIMULATE_RATE: '100',
        GREENOPS_SIMULATE_DEVICES: '3',
      });
      [, api] = (await app.waitForOutput(/greenops API: (http:\/\/\S+)/)) as [string, string];
      [, key] = (await app.waitForOutput(/admin key: +(gok_\S+)/)) as [string, string];
    });

    afterAll(async () => {
      if (app) {
        app.child.kill('SIGINT');
        await app.exited;
      }
      await influx?.destroy();
      await mosquitto?.destroy();
      rmSync(dir, { recursive: true, force: true });
    });

    it('ingests all four simulated streams into InfluxDB, queryable there with the documented tags and fields', async () => {
      const influxql = async (q: string) =>
        (await getJson<InfluxResult>(`${influx.url}/query?db=greenops&epoch=ms&q=${encodeURIComponent(q)}`))
          .results[0]?.series ?? [];
      for (const stream of STREAM_NAMES) {
        await waitFor(`${stream} points in InfluxDB`, async () =>
          (await influxql(`SELECT count(*) FROM ${stream}`)).length > 0 ? true : undefined,
        );
      }
      const tagKeys = async (m: string) =>
        (await influxql(`SHOW TAG KEYS FROM ${m}`))[0]?.values.flat().sort();
      expect(await tagKeys('energy')).toEqual(['device', 'quantity', 'site', 'tenant']);
      expect(await tagKeys('fleet')).toEqual(['device', 'powertrain', 'tenant', 'vehicle_class']);
      expect(await tagKeys('traffic')).toEqual(['device', 'direction', 'tenant']);
      expect(await tagKeys('road')).toEqual(['damage', 'device', 'tenant']);
      const fieldKeys = async (m: string) =>
        new Set((await influxql(`SHOW FIELD KEYS FROM ${m}`))[0]?.values.map((v) => v[0]));
      expect([...(await fieldKeys('fleet'))]).toEqual(
        expect.arrayContaining(['lat', 'lon', 'speed_kmh', 'ignition', 'odometer_km']),
      );
      expect([...(await fieldKeys('traffic'))]).toEqual(
        expect.arrayContaining(['count_car', 'count_total', 'speed_v85_kmh', 'uptime']),
      );
      expect([...(await fieldKeys('road'))]).toEqual(
        expect.arrayContaining(['detection_id', 'confidence', 'bbox_x', 'image_ref']),
      );
      expect([...(await fieldKeys('energy'))]).toEqual(
        expect.arrayContaining(['kwh', 'interval_s', 'outdoor_temp_c']),
      );

      const [hourly] = await influxql(
        `SELECT sum(kwh) FROM energy WHERE tenant = 'demo' AND quantity = 'electricity' AND time > now() - 3h GROUP BY time(1h) fill(none)`,
      );
      expect(hourly?.values.length).toBeGreaterThan(0);
    });

    it('runs the API as its own process (greenops api), sharing data and dead letters through InfluxDB', async () => {
      const apiOnly = runCli(['api', '--store', 'influx'], {
        GREENOPS_DATA_DIR: join(dir, 'api-role'),
        PORT: '0',
        INFLUX_URL: influx.url,
        INFLUX_DATABASE: 'greenops',
      });
      try {
        const [, apiUrl] = (await apiOnly.waitForOutput(/greenops API: (http:\/\/\S+)/)) as [string, string];
        // Its own data dir, so its own records store and its own first admin key.
        const [, apiKey] = (await apiOnly.waitForOutput(/admin key: +(gok_\S+)/)) as [string, string];
        const client = await mqtt.connectAsync(mosquitto.url, {
          username: 'greenops',
          password: 'pw',
          protocolVersion: 4,
        });
        await client.publishAsync('greenops/v1/demo/energy/broken-meter', 'not json at all', { qos: 1 });
        await client.endAsync();
        const letters = await waitFor('the dead letter in the API role', async () => {
          const body = await getJson<{ items: { topic: string; reason: string; payload: string }[] }>(
            `${apiUrl}/api/v1/dead-letters?stream=energy`,
            apiKey,
          );
          return body.items.find((i) => i.topic === 'greenops/v1/demo/energy/broken-meter');
        });
        expect(letters).toMatchObject({ payload: 'not json at all' });
        expect(letters.reason).toMatch(/^invalid JSON/);
        const devices = await getJson<{ devices: unknown[] }>(
          `${apiUrl}/api/v1/streams/fleet/devices`,
          apiKey,
        );
        expect(devices.devices.length).toBeGreaterThan(0);
      } finally {
        apiOnly.child.kill('SIGTERM');
        await apiOnly.exited;
      }
    }, 60_000); // the API process also opens its records store (PGlite) and makes its first admin key

    it('serves the same data through the API from InfluxDB', async () => {
      const devices = await getJson<{ devices: { device: string; records: number }[] }>(
        `${api}/api/v1/streams/traffic/devices`,
        key,
      );
      expect(devices.devices.length).toBeGreaterThan(0);
      const series = await getJson<{ points: unknown[] }>(
        `${api}/api/v1/streams/traffic/series?device=${devices.devices[0]!.device}&from=-3h&every=15m&fn=sum`,
        key,
      );
      expect(series.points.length).toBeGreaterThan(0);
      expect(await getJson(`${api}/health`, key)).toMatchObject({
        ready: true,
        checks: { store: { ready: true }, broker: { ready: true } },
      });
    });
  },
);
