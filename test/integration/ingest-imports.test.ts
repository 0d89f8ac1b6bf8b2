import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../harness/cli-process.js';
import { requireServer } from '../harness/debian-packages.js';
import { startInfluxd, type InfluxServer } from '../harness/influxd.js';
import { startMosquitto, type MosquittoServer } from '../harness/mosquitto.js';

const INGEST = { username: 'ingest', password: 'ingest-pw', acl: ['topic read greenops/v1/#'] };

/**
 * Packages the InfluxDB ingest role never uses, each imported only by the process that does: DuckDB's native
 * binding (~33 MB, ~0.17 s), the API's express stack, the embedded broker, the records stores, XML invoices,
 * TensorFlow.js. A static import of any of them anywhere on `greenops ingest`'s module graph brings it back.
 */
const UNUSED_BY_INFLUX_INGEST = [
  '@duckdb/node-api',
  '@duckdb/node-bindings',
  'express',
  'helmet',
  'cors',
  'express-rate-limit',
  'aedes',
  'pg',
  '@electric-sql/pglite',
  'saxes',
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-node',
];

describe.runIf(requireServer('influxd') && requireServer('mosquitto'))(
  'what `greenops ingest` with InfluxDB loads (real influxd and Mosquitto)',
  () => {
    let influx: InfluxServer;
    let mosquitto: MosquittoServer;
    let dir: string;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'greenops-ingest-imports-'));
      [influx, mosquitto] = await Promise.all([
        startInfluxd('greenops'),
        startMosquitto({ users: [INGEST] }),
      ]);
    });
    afterAll(async () => {
      await Promise.all([influx?.destroy(), mosquitto?.destroy()]);
      rmSync(dir, { recursive: true, force: true });
    });

    it('imports neither DuckDB nor the API, the embedded broker or the records stores', async () => {
      const log = join(dir, 'modules.log');
      const ingest = runCli(
        ['ingest', '--store', 'influx', '--broker', mosquitto.url],
        {
          GREENOPS_DATA_DIR: join(dir, 'data'),
          INFLUX_URL: influx.url,
          INFLUX_DATABASE: influx.database,
          MQTT_USERNAME: INGEST.username,
          MQTT_PASSWORD: INGEST.password,
          MODULE_LOG: log,
        },
        ['--import', new URL('../harness/module-log.mjs', import.meta.url).href],
      );
      try {
        await ingest.waitForOutput(/ingest connected/);
      } finally {
        ingest.child.kill('SIGTERM');
        await ingest.exited;
      }
      const packages = new Set(
        readFileSync(log, 'utf8')
          .split('\n')
          .map((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1])
          .filter((name) => name !== undefined),
      );
      // The log is complete enough to trust: what the ingest does use is in it.
      expect(packages).toContain('mqtt');
      expect(packages).toContain('@influxdata/influxdb-client');
      expect(UNUSED_BY_INFLUX_INGEST.filter((name) => packages.has(name))).toEqual([]);
    });
  },
);
