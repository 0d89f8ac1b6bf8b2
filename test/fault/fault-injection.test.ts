import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requireServer } from '../harness/debian-packages.js';
import { runCli, type CliProcess } from '../harness/cli-process.js';
import { startInfluxd, type InfluxServer } from '../harness/influxd.js';
import { startMosquitto, type MosquittoServer } from '../harness/mosquitto.js';
import { waitFor, waitForProgress } from '../harness/wait-for.js';
import { fuzzPayloads } from './fuzz.js';

const INGEST = { username: 'ingest', password: 'ingest-pw', acl: ['topic read greenops/v1/#'] };
const EDGE = { username: 'edge', password: 'edge-pw', acl: ['topic write greenops/v1/#'] };
const T0 = Date.UTC(2026, 0, 5);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Road detections: each carries its id as a field, so lost and duplicated records are both countable. */
function roadCsv(count: number, tenantTag: string): string {
  const rows = ['timestamp,camera_id,lat,lon,damage,confidence,bbox_x,bbox_y,bbox_w,bbox_h,detection_id'];
  for (let i = 0; i < count; i++) {
    rows.push(
      `${new Date(T0 + i * 1000).toISOString()},cam-${i % 7},56.1,10.2,D40,0.9,0.1,0.5,0.2,0.1,${tenantTag}-${i}`,
    );
  }
  return rows.join('\n');
}

const ready = requireServer('influxd') && requireServer('mosquitto');

describe.runIf(ready)(
  'fault injection: stored = sent, duplicates = 0 (real processes, Mosquitto, InfluxDB)',
  () => {
    let influx: InfluxServer;
    let mosquitto: MosquittoServer;
    let dir: string;
    const processes: CliProcess[] = [];

    const influxql = async (q: string) => {
      const res = await fetch(`${influx.url}/query?db=greenops&q=${encodeURIComponent(q)}`);
      return (
        ((await res.json()) as { results: { series?: { values: unknown[][] }[] }[] }).results[0]?.series?.[0]
          ?.values[0] ?? []
      );
    };
    const stored = async (tenant: string) => {
      const [, count, distinct] = await influxql(
        `SELECT count(detection_id), count(distinct(detection_id)) FROM road WHERE tenant = '${tenant}'`,
      );
      return { count: Number(count ?? 0), distinct: Number(distinct ?? 0) };
    };
    // Waits as long as records keep arriving; fails when none has arrived for 60 s (a loaded machine is slow, and
    // a restarted ingest takes a while to start there; a stuck ingest stops).
    const expectAllStored = async (tenant: string, sent: number) => {
      await waitForProgress(
        `${sent} records of ${tenant} in InfluxDB`,
        async () => (await stored(tenant)).count,
        sent,
        60_000,
      ).catch(async (err: Error) => {
        const logs = processes.map((p) => p.output().slice(-3000)).join('\n---\n');
        throw new Error(`${err.message}; stored ${JSON.stringify(await stored(tenant))}\n${logs}`);
      });
      expect(await stored(tenant)).toEqual({ count: sent, distinct: sent });
    };
    const ingest = (clientId: string) => {
      const p = runCli(['ingest', '--store', 'influx', '--broker', mosquitto.url], {
        GREENOPS_DATA_DIR: join(dir, clientId),
        INFLUX_URL: influx.url,
        INFLUX_DATABASE: 'greenops',
        MQTT_USERNAME: INGEST.username,
        MQTT_PASSWORD: INGEST.password,
        GREENOPS_INGEST_CLIENT_ID: clientId,
        LOG_LEVEL: 'info',
      });
      processes.push(p);
      return p;
    };
    const edgeReplay = (tenant: string, file: string, rate: number, clientId = `edge-${tenant}`) => {
      const p = runCli(
        [
          'edge',
          'replay',
          '--stream',
          'road',
          '--file',
          file,
          '--rate',
          String(rate),
          '--broker',
          mosquitto.url,
          '--tenant',
          tenant,
          '--client-id',
          clientId,
          '--queue-dir',
          join(dir, 'queue', clientId),
        ],
        {
          MQTT_USERNAME: EDGE.username,
          MQTT_PASSWORD: EDGE.password,
          LOG_LEVEL: 'error',
        },
      );
      processes.push(p);
      return p;
    };
    const csvFile = (tenant: string, count: number) => {
      const file = join(dir, `${tenant}.csv`);
      writeFileSync(file, roadCsv(count, tenant));
      return file;
    };
    const untilIngestReady = async (p: CliProcess) => {
      await waitFor(
        'ingest subscribed',
        async () => (/ingest connected/.test(p.output()) ? true : undefined),
        30_000,
        50,
      );
      await sleep(200);
    };

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'greenops-fault-'));
      influx = await startInfluxd('greenops');
      mosquitto = await startMosquitto({ users: [INGEST, EDGE] });
    });

    afterEach(async () => {
      for (const p of processes.splice(0)) {
        if (p.child.exitCode === null && p.child.signalCode === null) {
          p.child.kill('SIGTERM');
          await p.exited;
        }
      }
    });

    afterAll(async () => {
      await mosquitto?.destroy();
      await influx?.destroy();
      rmSync(dir, { recursive: true, force: true });
    });

    it('1. ingest killed with SIGKILL mid-stream and restarted', async () => {
      const sent = 20_000;
      const first = ingest('ingest-kill');
      await untilIngestReady(first);
      const edge = edgeReplay('kill', csvFile('kill', sent), 5_000);
      await waitFor(
        'some records stored',
        async () => ((await stored('kill')).count > 2_000 ? true : undefined),
        30_000,
        100,
      );
      first.child.kill('SIGKILL');
      await first.exited;
      const partial = (await stored('kill')).count;
      expect(partial).toBeLessThan(sent);
      await sleep(500);
      const second = ingest('ingest-kill');
      expect(await edge.exited).toBe(0);
      await expectAllStored('kill', sent);
      second.child.kill('SIGTERM');
    }, 120_000);

    it('2. broker restarted mid-stream (Mosquitto with persistence)', async () => {
      const sent = 20_000;
      await untilIngestReady(ingest('ingest-broker'));
      const edge = edgeReplay('broker', csvFile('broker', sent), 5_000);
      await waitFor(
        'some records stored',
        async () => ((await stored('broker')).count > 2_000 ? true : undefined),
        30_000,
        100,
      );
      await mosquitto.stop();
      await sleep(1_000);
      await mosquitto.start();
      expect(await edge.exited).toBe(0);
      await expectAllStored('broker', sent);
    }, 120_000);

    it('3. edge cut off from the broker for a while, restarted while cut off, then reconnected', async () => {
      const sent = 10_000;
      await untilIngestReady(ingest('ingest-edge'));
      const file = csvFile('cutoff', sent);
      const edge = edgeReplay('cutoff', file, 2_000, 'edge-cutoff');
      await waitFor(
        'some records stored',
        async () => ((await stored('cutoff')).count > 1_000 ? true : undefined),
        30_000,
        100,
      );
      await mosquitto.stop();
      await sleep(2_000); // the agent keeps reading its file into the disk queue
      edge.child.kill('SIGKILL');
      await edge.exited;
      await sleep(1_000);
      await mosquitto.start();
      // The restarted agent has nothing new to read; it sends what its disk queue still holds.
      const empty = join(dir, 'empty.csv');
      writeFileSync(
        empty,
        'timestamp,camera_id,lat,lon,damage,confidence,bbox_x,bbox_y,bbox_w,bbox_h,detection_id\n',
      );
      const restarted = edgeReplay('cutoff', empty, 2_000, 'edge-cutoff');
      expect(await restarted.exited).toBe(0);
      // The first agent was killed before it finished reading its file: replay it again, as an operator would;
      // what was already sent lands on the same points.
      const rest = edgeReplay('cutoff', file, 10_000, 'edge-cutoff');
      expect(await rest.exited).toBe(0);
      await expectAllStored('cutoff', sent);
    }, 120_000);

    it('4. store (InfluxDB) stopped for 30 s mid-stream, with ingest memory bounded, then restarted', async () => {
      const sent = 30_000;
      const ingestProcess = ingest('ingest-store');
      await untilIngestReady(ingestProcess);
      const edge = edgeReplay('store', csvFile('store', sent), 3_000);
      await waitFor(
        'some records stored',
        async () => ((await stored('store')).count > 2_000 ? true : undefined),
        30_000,
        100,
      );
      await influx.stop();
      const rss: number[] = [];
      for (let s = 0; s < 30; s++) {
        await sleep(1_000);
        rss.push(residentMb(ingestProcess.child.pid!));
      }
      await influx.start();
      expect(await edge.exited).toBe(0);
      await expectAllStored('store', sent);
      expect(Math.max(...rss)).toBeLessThan(300);
      expect(ingestProcess.child.exitCode).toBeNull();
    }, 180_000);

    it('5. 10,000 fuzzed payloads mixed with valid ones: no crash, every invalid one dead-lettered, every valid one stored', async () => {
      const ingestProcess = ingest('ingest-fuzz');
      await untilIngestReady(ingestProcess);
      const { messages, valid, invalid } = fuzzPayloads(10_000, 42);
      const client = await mqtt.connectAsync(mosquitto.url, {
        username: EDGE.username,
        password: EDGE.password,
        protocolVersion: 4,
      });
      for (let i = 0; i < messages.length; i += 200) {
        await Promise.all(
          messages
            .slice(i, i + 200)
            .map((m) => client.publishAsync(`greenops/v1/fuzz/road/${m.device}`, m.payload, { qos: 1 })),
        );
      }
      await client.endAsync();
      await expectAllStored('fuzz', valid);
      await waitForProgress(
        `${invalid} dead letters`,
        async () => {
          const [, n] = await influxql(`SELECT count(reason) FROM dead_letters WHERE tenant = 'fuzz'`);
          return Number(n ?? 0);
        },
        invalid,
      ).catch((err: Error) => {
        // The ingest's log says why (a spill to a file names the store's error), as expectAllStored shows it.
        throw new Error(`${err.message}
${ingestProcess.output().slice(-4000)}`);
      });
      const [, deadLetters] = await influxql(`SELECT count(reason) FROM dead_letters WHERE tenant = 'fuzz'`);
      expect(Number(deadLetters)).toBe(invalid);
      expect(ingestProcess.child.exitCode).toBeNull();
    }, 300_000); // the waits inside are bounded by progress (30 s without any), this only by the whole
  },
);

function residentMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}
