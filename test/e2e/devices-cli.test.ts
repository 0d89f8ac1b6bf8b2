import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../harness/cli-process.js';

interface Shown {
  id: string;
  username: string;
  password: string;
  topic: string;
}

describe('greenops devices and mosquitto-config as processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'greenops-devices-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cli = async (args: string[], env: Record<string, string> = {}) => {
    const p = runCli(args, { GREENOPS_DATA_DIR: dir, ...env });
    const code = await p.exited;
    return { code, output: p.output() };
  };

  it('issues a credential once, lists it without the password, writes Mosquitto files, and revokes it', async () => {
    const added = await cli([
      'devices',
      'add',
      '--tenant',
      'aarhus',
      '--stream',
      'fleet',
      '--device',
      'van-7',
      '--json',
    ]);
    expect(added.code).toBe(0);
    const shown = JSON.parse(added.output) as Shown;
    expect(shown).toMatchObject({ username: 'aarhus.fleet.van-7', topic: 'greenops/v1/aarhus/fleet/van-7' });
    expect(shown.password.length).toBeGreaterThanOrEqual(43);

    const again = await cli([
      'devices',
      'add',
      '--tenant',
      'aarhus',
      '--stream',
      'fleet',
      '--device',
      'van-7',
    ]);
    expect(again.code).toBe(2);
    expect(again.output).toMatch(/already has an active fleet credential; revoke it first/);

    await cli(['devices', 'add', '--tenant', 'odense', '--stream', 'energy', '--device', 'm-1']);
    const listed = await cli(['devices', 'list', '--tenant', 'aarhus', '--json']);
    expect(listed.code).toBe(0);
    expect(listed.output).not.toContain(shown.password);
    expect((JSON.parse(listed.output) as { devices: Shown[] }).devices.map((d) => d.id)).toEqual([shown.id]);

    const out = join(dir, 'mosquitto');
    const config = await cli(['mosquitto-config', '--out', out, '--simulators', '1']);
    expect(config.code).toBe(0);
    // Two issued here, one simulated device per stream of the default tenant and the road camera's vehicle.
    expect(config.output).toMatch(/\(7 devices\)/);
    expect(
      Object.keys(JSON.parse(readFileSync(join(out, 'simulator-credentials.json'), 'utf8')) as object),
    ).toEqual([
      'demo.energy.meter-001',
      'demo.fleet.vehicle-001',
      'demo.traffic.counter-001',
      'demo.road.camera-001',
      'demo.fleet.sweeper-01',
    ]);
    const acl = readFileSync(join(out, 'acl'), 'utf8');
    expect(acl).toContain('user aarhus.fleet.van-7\ntopic write greenops/v1/aarhus/fleet/van-7\n');
    expect(acl).toContain('user greenops-ingest\ntopic read greenops/#\n');
    expect(acl).not.toContain('greenops-replay');
    const passwd = readFileSync(join(out, 'passwd'), 'utf8');
    expect(passwd).toMatch(/^aarhus\.fleet\.van-7:\$7\$101\$/m);
    expect(readFileSync(join(out, 'service-credentials.env'), 'utf8')).toMatch(
      /^MQTT_INGEST_PASSWORD=\S{43}$/m,
    );
    for (const f of ['acl', 'passwd', 'service-credentials.env', 'simulator-credentials.json'])
      expect(statSync(join(out, f)).mode & 0o777, f).toBe(0o600);

    const revoked = await cli(['devices', 'revoke', shown.id]);
    expect(revoked.code).toBe(0);
    expect(revoked.output).toContain(`revoked ${shown.id} (aarhus.fleet.van-7)`);
    expect(JSON.parse((await cli(['devices', 'list', '--tenant', 'aarhus', '--json'])).output)).toEqual({
      devices: [],
    });
    expect((await cli(['devices', 'revoke', 'dev_unknown'])).output).toContain(
      'no device credential dev_unknown',
    );
    // Every run opens the embedded records store (PGlite) in a fresh process: seconds each on a busy machine.
  }, 240_000);

  it('refuses a stream that is not one of the four', async () => {
    const result = await cli([
      'devices',
      'add',
      '--tenant',
      'aarhus',
      '--stream',
      'weather',
      '--device',
      'w-1',
    ]);
    expect(result.code).toBe(2);
    expect(result.output).toMatch(/stream: "weather" is not a stream/);
  }, 60_000);
});
