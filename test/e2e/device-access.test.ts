import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryLogger, loadConfig } from '../../core/index.js';
import { DeviceCredentialStore } from '../../access/index.js';
import { startGreenops, type GreenopsApp } from '../../cli/index.js';
import { PgliteRecordStore } from '../../store/index.js';
import { getJson, waitFor } from '../harness/wait-for.js';

type Devices = { devices: { device: string }[] };

describe('greenops start on the embedded broker: device credentials for the simulators, no anonymous clients', () => {
  const dir = mkdtempSync(join(tmpdir(), 'greenops-device-access-'));
  let app: GreenopsApp | undefined;
  const start = () =>
    startGreenops(
      loadConfig({
        env: {
          GREENOPS_DATA_DIR: dir,
          PORT: '0',
          GREENOPS_BROKER_PORT: '0',
          GREENOPS_SIMULATE_RATE: '200',
          GREENOPS_SIMULATE_DEVICES: '2',
          GREENOPS_INGEST_FLUSH_MS: '50',
        },
      }),
      createMemoryLogger('warn').logger,
      { ingest: true, api: true, simulate: true },
      { startMs: Date.now() - 3_600_000, seed: 3 },
    );
  const credentials = async () => {
    const records = await PgliteRecordStore.open(join(dir, 'records'));
    try {
      return await new DeviceCredentialStore(records).list({ includeRevoked: true });
    } finally {
      await records.close();
    }
  };
  afterAll(async () => {
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('carries the simulators through device credentials of their own, issued once across restarts', async () => {
    app = await start();
    const api = app.apiUrl as string;
    const key = app.adminKey!.secret;
    // Two simulated devices per stream, and on the fleet stream also the two road cameras' vehicles.
    for (const stream of ['energy', 'fleet', 'traffic', 'road'])
      await waitFor(`${stream} data`, async () =>
        (await getJson<Devices>(`${api}/api/v1/streams/${stream}/devices`, key)).devices.length ===
        (stream === 'fleet' ? 4 : 2)
          ? true
          : undefined,
      );
    await expect(
      mqtt.connectAsync(app.brokerUrl as string, { protocolVersion: 4, reconnectPeriod: 0 }),
    ).rejects.toThrow(/Not authorized/);
    await app.stop();
    app = undefined;

    const issued = await credentials();
    expect(issued).toHaveLength(10);
    expect(
      issued.every((c) => c.tenant === 'demo' && c.createdBy === 'greenops-simulator' && !c.revokedAt),
    ).toBe(true);
    expect(statSync(join(dir, 'simulator-credentials.json')).mode & 0o777).toBe(0o600);

    app = await start();
    await waitFor('the restarted simulators', async () =>
      app!.simulation!.stats.messages > 0 ? true : undefined,
    );
    await app.stop();
    app = undefined;
    expect((await credentials()).map((c) => c.id).sort()).toEqual(issued.map((c) => c.id).sort());
  }, 120_000);
});
