import { describe, expect, it } from 'vitest';
import { MqttAccess, filterCovers, serviceAccount, topicMatches } from './mqtt-access.js';

describe('MQTT topic filters', () => {
  it.each([
    ['greenops/#', 'greenops/v1/demo/energy/m-1', true],
    ['greenops/#', 'greenops', true],
    ['greenops/v1/+/+/+', 'greenops/v1/demo/energy/m-1', true],
    ['greenops/v1/+/+/+', 'greenops/v1/demo/energy/m-1/x', false],
    ['greenops/v1/demo/#', 'greenops/v1/odense/energy/m-1', false],
    ['#', '$SYS/broker/uptime', false],
  ])('%s matches %s: %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });

  it.each([
    ['greenops/#', 'greenops/v1/+/+/+', true],
    ['greenops/#', 'greenops/#', true],
    ['greenops/#', '#', false],
    ['greenops/#', '+/v1/#', false],
    ['greenops/v1/+/energy/+', 'greenops/v1/demo/energy/+', true],
    ['greenops/v1/+/energy/+', 'greenops/v1/demo/+/+', false],
    ['greenops/v1/demo/#', 'greenops/v1/+/energy/+', false],
  ])('%s covers the subscription %s: %s', (allowed, requested, expected) => {
    expect(filterCovers(allowed, requested)).toBe(expected);
  });
});

describe('MqttAccess without devices', () => {
  const ingest = serviceAccount('greenops-ingest', { publish: [], subscribe: ['greenops/#'] });

  it('refuses anonymous clients unless allowed, and then lets them do anything but $ topics', async () => {
    expect(await new MqttAccess().authenticate(undefined, undefined)).toBeUndefined();
    const open = new MqttAccess({ allowAnonymous: true });
    const anonymous = await open.authenticate(undefined, undefined);
    expect(anonymous).toEqual({ kind: 'anonymous' });
    expect(await open.mayPublish(anonymous!, 'greenops/v1/x/energy/y')).toEqual({ ok: true });
    expect((await open.mayPublish(anonymous!, '$SYS/x')).ok).toBe(false);
  });

  it('knows a service by its password only, and holds it to its filters ($share included)', async () => {
    const access = new MqttAccess({ services: [ingest] });
    expect(await access.authenticate('greenops-ingest', 'wrong')).toBeUndefined();
    expect(await access.authenticate('greenops-ingest', undefined)).toBeUndefined();
    const identity = await access.authenticate('greenops-ingest', Buffer.from(ingest.password));
    expect(identity).toMatchObject({ kind: 'service', username: 'greenops-ingest' });
    expect(access.maySubscribe(identity!, '$share/greenops/greenops/v1/+/+/+')).toEqual({ ok: true });
    expect(access.maySubscribe(identity!, '#').ok).toBe(false);
    expect(await access.mayPublish(identity!, 'greenops/v1/demo/energy/m-1')).toMatchObject({
      ok: false,
      reason: 'greenops-ingest may not publish to greenops/v1/demo/energy/m-1',
    });
  });

  it('does not let a device user name in without a device store', async () => {
    expect(
      await new MqttAccess({ services: [ingest] }).authenticate('demo.energy.m-1', 'pw'),
    ).toBeUndefined();
  });

  it('lets a device subscribe to nothing', () => {
    const device = {
      kind: 'device',
      credentialId: 'dev_1',
      username: 'demo.energy.m-1',
      tenant: 'demo',
      stream: 'energy',
      device: 'm-1',
    } as const;
    expect(new MqttAccess().maySubscribe(device, 'greenops/v1/demo/energy/m-1').ok).toBe(false);
  });
});
