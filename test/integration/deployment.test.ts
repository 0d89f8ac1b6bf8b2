import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { requireServer } from '../harness/debian-packages.js';
import { startMosquitto, type MosquittoServer } from '../harness/mosquitto.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SECRETS = {
  MQTT_INGEST_PASSWORD: 'i',
  INFLUX_ADMIN_PASSWORD: 'a',
  INFLUX_TOKEN: 't',
  GRAFANA_ADMIN_PASSWORD: 'g',
  POSTGRES_PASSWORD: 'p',
};

const emptyEnvFile = join(mkdtempSync(join(tmpdir(), 'greenops-compose-')), 'empty.env');
writeFileSync(emptyEnvFile, '');

function compose(args: string[], env: Record<string, string>) {
  // Only the variables given here: a developer's own .env or shell must not make the test pass or fail.
  return spawnSync(
    'docker-compose',
    [
      '--project-directory',
      root,
      '--env-file',
      emptyEnvFile,
      '-f',
      join(root, 'docker-compose.yml'),
      ...args,
    ],
    {
      env: { PATH: process.env.PATH ?? '', ...env },
      encoding: 'utf8',
    },
  );
}

type ComposeService = {
  image?: string;
  healthcheck?: { test?: string[] };
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  profiles?: string[];
};

describe.runIf(requireServer('docker-compose'))('docker-compose.yml', () => {
  it('is valid for docker-compose config once the secrets are set', () => {
    const result = compose(['--profile', 'demo', 'config'], SECRETS);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const config = parse(result.stdout) as {
      services: Record<string, ComposeService>;
      volumes: Record<string, unknown>;
    };
    expect(Object.keys(config.services).sort()).toEqual([
      'grafana',
      'greenops',
      'influxdb',
      'mosquitto',
      'mosquitto-config',
      'postgres',
      'simulator',
    ]);
    for (const name of ['grafana', 'greenops', 'influxdb', 'mosquitto', 'postgres'])
      expect(config.services[name]?.healthcheck, name).toBeDefined();
    expect(Object.keys(config.volumes).sort()).toEqual([
      'grafana-data',
      'greenops-data',
      'influxdb-config',
      'influxdb-data',
      'mosquitto-config',
      'mosquitto-data',
      'postgres-data',
    ]);
    expect(config.services.greenops?.depends_on).toEqual({
      influxdb: { condition: 'service_healthy' },
      mosquitto: { condition: 'service_healthy' },
      postgres: { condition: 'service_healthy' },
    });
    expect(config.services.greenops?.environment).toMatchObject({
      DATABASE_URL: 'postgres://greenops:p@postgres:5432/greenops',
      GREENOPS_STORE: 'influx',
      INFLUX_TOKEN: 't',
      MQTT_URL: 'mqtt://mosquitto:1883',
    });
  });

  it('runs PostgreSQL 15 for the records store on a volume, healthy once pg_isready answers', () => {
    const result = compose(['config'], SECRETS);
    expect(result.status).toBe(0);
    const postgres = (parse(result.stdout) as { services: Record<string, ComposeService> }).services.postgres;
    expect(postgres?.image).toBe('postgres:15');
    expect(postgres?.environment).toMatchObject({ POSTGRES_PASSWORD: 'p', POSTGRES_USER: 'greenops' });
    expect(postgres?.volumes).toEqual([expect.stringMatching(/^postgres-data:\/var\/lib\/postgresql\/data/)]);
    // `$$` is compose's escape: the container's shell expands the variable, so the check follows POSTGRES_USER.
    expect(postgres?.healthcheck?.test).toEqual([
      'CMD-SHELL',
      'pg_isready -U "$$POSTGRES_USER" -d "$$POSTGRES_DB"',
    ]);
  });

  it('refuses to start without secrets, naming the missing one', () => {
    const result = compose(['config', '-q'], {});
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(
      /set (MQTT_INGEST_PASSWORD|INFLUX_ADMIN_PASSWORD|INFLUX_TOKEN|GRAFANA_ADMIN_PASSWORD|POSTGRES_PASSWORD) in \.env/,
    );
  });

  it('contains no secret values', () => {
    const text = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
    expect(text).not.toMatch(/(PASSWORD|TOKEN):\s*['"]?[A-Za-z0-9]{6,}['"]?\s*$/m);
  });
});

describe.runIf(requireServer('mosquitto'))('the shipped Mosquitto configuration (deploy/mosquitto)', () => {
  let server: MosquittoServer;

  beforeAll(async () => {
    server = await startMosquitto({
      users: [
        // The ACL lines `greenops mosquitto-config` writes for the ingest and a device.
        { username: 'greenops-ingest', password: 'ingest-pw', acl: ['topic read greenops/#'] },
        { username: 'van-1', password: 'van-pw', acl: ['topic write greenops/v1/demo/fleet/van-1'] },
      ],
      // The shipped file with the container paths pointed at the test's folder (password file and ACL there).
      config: (port, dir) =>
        readFileSync(join(root, 'deploy/mosquitto/mosquitto.conf'), 'utf8')
          .replace(/^listener 1883$/m, `listener ${port} 127.0.0.1`)
          .replaceAll('/mosquitto/data/', `${dir}/`),
    });
  });

  afterAll(async () => {
    await server?.destroy();
  });

  it('sets the queue limits production needs', () => {
    const conf = readFileSync(join(root, 'deploy/mosquitto/mosquitto.conf'), 'utf8');
    expect(conf).toMatch(/^max_queued_messages 0$/m);
    expect(conf).toMatch(/^persistence true$/m);
    expect(conf).toMatch(/^allow_anonymous false$/m);
  });

  it('lets the ingest read everything and a device write only its own topics', async () => {
    const url = server.url;
    const ingest = await mqtt.connectAsync(url, {
      username: 'greenops-ingest',
      password: 'ingest-pw',
      protocolVersion: 4,
    });
    const received: string[] = [];
    ingest.on('message', (topic) => received.push(topic));
    await ingest.subscribeAsync('greenops/v1/#', { qos: 1 });
    const device = await mqtt.connectAsync(url, {
      username: 'van-1',
      password: 'van-pw',
      protocolVersion: 4,
    });
    await device.publishAsync('greenops/v1/demo/fleet/van-2', '{}', { qos: 1 });
    await device.publishAsync('greenops/v1/demo/fleet/van-1', '{}', { qos: 1 });
    await device.endAsync();
    for (let i = 0; i < 50 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 200));
    await ingest.endAsync();
    expect(received).toEqual(['greenops/v1/demo/fleet/van-1']);
    await expect(mqtt.connectAsync(url, { reconnectPeriod: 0, protocolVersion: 4 })).rejects.toThrow(
      /Not authorized/,
    );
  });
});
