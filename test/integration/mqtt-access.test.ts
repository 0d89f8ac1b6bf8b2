import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../core/index.js';
import {
  DEVICE_MIGRATIONS,
  DeviceCredentialStore,
  INGEST_TOPICS,
  INGEST_USERNAME,
  MqttAccess,
  serviceAccount,
} from '../../access/index.js';
import { EmbeddedBroker } from '../../broker/index.js';
import { migrate, PgliteRecordStore } from '../../store/index.js';
import { writeMosquittoFiles } from '../../cli/index.js';
import { runCli } from '../harness/cli-process.js';
import { requireServer } from '../harness/debian-packages.js';
import { startMosquitto, type MosquittoServer } from '../harness/mosquitto.js';
import { waitFor } from '../harness/wait-for.js';

interface Login {
  username: string;
  password: string;
}

interface BrokerUnderTest {
  url: string;
  ingest: Login;
  /** Makes the broker see credentials issued or revoked since it started (Mosquitto: new files and SIGHUP). */
  refresh(): Promise<void>;
  /** Log lines or output in which refusals must show. */
  refusals(): string;
}

const RECORD = JSON.stringify({
  id: 'r-1',
  ts: '2026-01-05T10:00:00Z',
  lat: 56,
  lon: 10,
  speedKmh: 10,
  ignition: true,
});

function connect(url: string, login?: Login): Promise<MqttClient> {
  return mqtt.connectAsync(url, { ...login, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000 });
}

/** Publishes once (QoS 1) on a fresh connection: `acked`, or `closed` when the broker dropped the connection. */
async function publishOnce(url: string, login: Login, topic: string): Promise<'acked' | 'closed'> {
  const client = await connect(url, login);
  const outcome = await publishOn(client, topic);
  client.end(true);
  return outcome;
}

/**
 * Publishes at QoS 1 and waits for the broker's answer: aedes closes the connection of a refused publish (MQTT
 * 3.1.1 has no negative PUBACK); Mosquitto acknowledges it and drops the message.
 */
function publishOn(client: MqttClient, topic: string): Promise<'acked' | 'closed'> {
  return new Promise((resolve) => {
    // The broker may have closed a revoked device's connection already: then no answer would ever come.
    if (client.disconnected || !client.connected) return resolve('closed');
    client.once('close', () => resolve('closed'));
    client.publish(topic, RECORD, { qos: 1 }, (err) => resolve(err ? 'closed' : 'acked'));
  });
}

/** A subscriber with the ingest's identity on greenops/#, collecting the topics it receives. */
async function ingestSubscriber(broker: BrokerUnderTest) {
  const client = await connect(broker.url, broker.ingest);
  const topics: string[] = [];
  client.on('message', (topic) => topics.push(topic));
  await client.subscribeAsync('greenops/#', { qos: 1 });
  return { topics, close: () => client.endAsync() };
}

/**
 * Who may connect and publish, the same on the embedded broker and on Mosquitto run with the files
 * `greenops mosquitto-config` writes: devices are bound to their own topic, anonymous clients and wrong passwords
 * are refused, the ingest reads but cannot write.
 */
function accessContract(name: string, open: (devices: DeviceCredentialStore) => Promise<BrokerUnderTest>) {
  describe(`MQTT access: ${name}`, () => {
    let records: PgliteRecordStore;
    let devices: DeviceCredentialStore;
    let broker: BrokerUnderTest;
    const logins: Record<string, Login> = {};
    const issue = async (tenant: string, stream: string, device: string) => {
      const { credential, password } = await devices.add({ tenant, stream, device, createdBy: 'test' });
      return { username: credential.username, password };
    };

    beforeAll(async () => {
      records = await PgliteRecordStore.open('memory://');
      await migrate(records, [DEVICE_MIGRATIONS]);
      devices = new DeviceCredentialStore(records);
      logins.van1 = await issue('aarhus', 'fleet', 'van-1');
      logins.van2 = await issue('aarhus', 'fleet', 'van-2');
      logins.odenseVan1 = await issue('odense', 'fleet', 'van-1');
      broker = await open(devices);
    });
    afterAll(async () => {
      await records?.close();
    });

    it('refuses an anonymous CONNECT', async () => {
      await expect(connect(broker.url)).rejects.toThrow(/Not authorized/);
    });

    it('refuses a device with a wrong password, and an unknown user', async () => {
      await expect(connect(broker.url, { ...logins.van1!, password: 'wrong' })).rejects.toThrow(
        /Bad username or password|Not authorized/,
      );
      await expect(connect(broker.url, { username: 'aarhus.fleet.van-9', password: 'x' })).rejects.toThrow(
        /Bad username or password|Not authorized/,
      );
    });

    it("delivers a device's own topic, never another device's, stream's or tenant's", async () => {
      const ingest = await ingestSubscriber(broker);
      const van1 = logins.van1!;
      for (const topic of [
        'greenops/v1/aarhus/fleet/van-2',
        'greenops/v1/aarhus/energy/van-1',
        'greenops/v1/odense/fleet/van-1',
        'greenops/v1/aarhus/fleet/van-1/extra',
      ])
        await publishOnce(broker.url, van1, topic);
      expect(await publishOnce(broker.url, van1, 'greenops/v1/aarhus/fleet/van-1')).toBe('acked');
      await waitFor('the own topic', async () => (ingest.topics.length > 0 ? true : undefined), 5000);
      expect(ingest.topics).toEqual(['greenops/v1/aarhus/fleet/van-1']);
      await ingest.close();
      expect(broker.refusals()).toMatch(/greenops\/v1\/aarhus\/fleet\/van-2/);
    });

    it('lets the ingest read but not publish', async () => {
      const ingest = await ingestSubscriber(broker);
      await publishOnce(broker.url, broker.ingest, 'greenops/v1/aarhus/fleet/van-1');
      expect(await publishOnce(broker.url, logins.odenseVan1!, 'greenops/v1/odense/fleet/van-1')).toBe(
        'acked',
      );
      await waitFor('the device message', async () => (ingest.topics.length > 0 ? true : undefined), 5000);
      expect(ingest.topics).toEqual(['greenops/v1/odense/fleet/van-1']);
      await ingest.close();
    });

    it('stops a revoked device from connecting and from publishing on a connection it already has', async () => {
      const login = await issue('aarhus', 'road', 'cam-1');
      await broker.refresh();
      const topic = 'greenops/v1/aarhus/road/cam-1';
      const ingest = await ingestSubscriber(broker);
      const connected = await connect(broker.url, login);
      await connected.publishAsync(topic, RECORD, { qos: 1 });
      await waitFor('the first message', async () => (ingest.topics.length === 1 ? true : undefined), 5000);
      // Revoked through another store instance, as `greenops devices revoke` in another process would.
      const elsewhere = new DeviceCredentialStore(records);
      const [credential] = (await elsewhere.list({ tenant: 'aarhus' })).filter(
        (c) => c.username === login.username,
      );
      const revokedAt = Date.now();
      await elsewhere.revoke(credential!.id);
      await broker.refresh();
      await waitFor(
        'connections refused',
        () =>
          connect(broker.url, login).then(
            (c) => void c.end(true),
            () => true,
          ),
        2000,
        50,
      );
      expect(Date.now() - revokedAt).toBeLessThan(1000);
      // The promise is "within a second" for a connection already open too (its credential is re-checked through a
      // cache of its own): publish on it once that second has passed.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, revokedAt + 1000 - Date.now())));
      expect(await publishOn(connected, topic)).toBe('closed');
      connected.end(true);
      expect(await publishOnce(broker.url, logins.van2!, 'greenops/v1/aarhus/fleet/van-2')).toBe('acked');
      await waitFor(
        'van-2',
        async () => (ingest.topics.includes('greenops/v1/aarhus/fleet/van-2') ? true : undefined),
        5000,
      );
      expect(ingest.topics.filter((t) => t === topic)).toHaveLength(1);
      await ingest.close();
    });
  });
}

accessContract('embedded aedes', async (devices) => {
  const ingest = serviceAccount(INGEST_USERNAME, INGEST_TOPICS);
  const { logger, lines } = createMemoryLogger('info');
  const broker = new EmbeddedBroker({
    port: 0,
    logger,
    access: new MqttAccess({ devices, services: [ingest] }),
  });
  const url = await broker.start();
  afterAll(() => broker.stop());
  return {
    url,
    ingest,
    refresh: async () => undefined,
    refusals: () =>
      lines()
        .filter((l) => l.level === 40)
        .map((l) => JSON.stringify(l))
        .join('\n'),
  };
});

describe.runIf(requireServer('mosquitto'))('with Mosquitto', () => {
  const dir = mkdtempSync(join(tmpdir(), 'greenops-mosquitto-config-'));
  let server: MosquittoServer | undefined;
  afterAll(async () => {
    await server?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  accessContract('Mosquitto with the files of greenops mosquitto-config', async (devices) => {
    const files = () => writeMosquittoFiles({ devices, outDir: dir });
    await files();
    server = await startMosquitto({
      users: [],
      config: (port) =>
        [
          `listener ${port} 127.0.0.1`,
          'allow_anonymous false',
          `password_file ${join(dir, 'passwd')}`,
          `acl_file ${join(dir, 'acl')}`,
          'log_dest stderr',
          'log_type error',
          'log_type warning',
          'log_type notice',
          'log_type information',
          // Mosquitto logs a denied publish ("Denied PUBLISH from …") at debug level only.
          'log_type debug',
        ].join('\n'),
    });
    const env = Object.fromEntries(
      readFileSync(join(dir, 'service-credentials.env'), 'utf8')
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => l.split('=') as [string, string]),
    );
    const running = server;
    return {
      url: running.url,
      ingest: { username: INGEST_USERNAME, password: env.MQTT_INGEST_PASSWORD! },
      refresh: async () => {
        await files();
        running.reload();
      },
      refusals: () => running.output(),
    };
  });
});

describe.runIf(requireServer('mosquitto'))(
  'the demo simulator on Mosquitto (docker-compose profile demo)',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'greenops-demo-sim-'));
    let server: MosquittoServer | undefined;
    afterAll(async () => {
      await server?.destroy();
      rmSync(dir, { recursive: true, force: true });
    });

    it('publishes every simulated device with its own credential from mosquitto-config --simulators', async () => {
      const out = join(dir, 'mosquitto');
      const config = runCli(['mosquitto-config', '--out', out, '--simulators', '1'], {
        GREENOPS_DATA_DIR: join(dir, 'data'),
      });
      expect(await config.exited).toBe(0);
      server = await startMosquitto({
        users: [],
        config: (port) =>
          [
            `listener ${port} 127.0.0.1`,
            'allow_anonymous false',
            `password_file ${join(out, 'passwd')}`,
            `acl_file ${join(out, 'acl')}`,
            'log_dest stderr',
            'log_type debug',
          ].join('\n'),
      });
      const ingestPassword = /^MQTT_INGEST_PASSWORD=(\S+)$/m.exec(
        readFileSync(join(out, 'service-credentials.env'), 'utf8'),
      )?.[1];
      const ingest = await connect(server.url, { username: INGEST_USERNAME, password: ingestPassword! });
      const topics = new Set<string>();
      ingest.on('message', (topic) => topics.add(topic));
      await ingest.subscribeAsync('greenops/#', { qos: 1 });
      const simulate = runCli(
        [
          'edge',
          'simulate',
          '--stream',
          'all',
          '--devices',
          '1',
          '--start',
          '-1h',
          '--until',
          // A full lap of the road camera (40 min), so it passes its defects: it reports them as it passes them.
          '-20m',
          '--broker',
          server.url,
          '--credentials',
          join(out, 'simulator-credentials.json'),
        ],
        { GREENOPS_DATA_DIR: join(dir, 'edge') },
      );
      expect(await simulate.exited).toBe(0);
      // Four streams' devices, and the road camera's vehicle on the fleet stream (coverage of inspected roads).
      await waitFor('all five devices', async () => (topics.size === 5 ? true : undefined), 5000);
      await ingest.endAsync();
      expect([...topics].sort()).toEqual([
        'greenops/v1/demo/energy/meter-001',
        'greenops/v1/demo/fleet/sweeper-01',
        'greenops/v1/demo/fleet/vehicle-001',
        'greenops/v1/demo/road/camera-001',
        'greenops/v1/demo/traffic/counter-001',
      ]);
      expect(server.output()).not.toContain('Denied PUBLISH');
    }, 90_000);
  },
);
