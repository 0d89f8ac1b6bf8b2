import { describe, expect, it } from 'vitest';
import { loadConfig, redactConfig } from './config.js';
import { GreenopsError } from './errors.js';

function problems(sources: Parameters<typeof loadConfig>[0]): string {
  try {
    loadConfig(sources);
  } catch (err) {
    expect(err).toBeInstanceOf(GreenopsError);
    return (err as GreenopsError).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadConfig', () => {
  it('runs on embedded defaults with no configuration at all', () => {
    const config = loadConfig();
    expect(config).toMatchObject({
      store: 'duckdb',
      mqttUrl: undefined,
      port: 8080,
      tenant: 'demo',
      simulate: true,
    });
  });

  it('takes flags over environment over file over defaults', () => {
    const config = loadConfig({
      file: { port: 9000, tenant: 'odense', logLevel: 'warn' },
      env: { PORT: '9100', GREENOPS_TENANT: 'aarhus' },
      flags: { port: '9200' },
    });
    expect(config.port).toBe(9200);
    expect(config.tenant).toBe('aarhus');
    expect(config.logLevel).toBe('warn');
  });

  it('refuses a transparency contact that is not an address, and a public URL that is not a base URL', () => {
    const message = problems({
      env: {
        GREENOPS_TRANSPARENCY_CONTACT: 'demo: data protection officer',
        GREENOPS_PUBLIC_URL: '/transparency',
      },
    });
    expect(message).toContain(
      'GREENOPS_TRANSPARENCY_CONTACT must be an e-mail address (dpo@kommune.dk) or an http(s) URL of a contact page, not a description, got "demo: data protection officer"',
    );
    expect(message).toContain('GREENOPS_PUBLIC_URL must be an absolute URL');
    expect(problems({ env: { GREENOPS_PUBLIC_URL: 'https://greenops.example/?x=1' } })).toContain(
      'GREENOPS_PUBLIC_URL must be a base URL without query, fragment or credentials',
    );
    const ok = loadConfig({
      env: {
        GREENOPS_TRANSPARENCY_CONTACT: 'mailto:dpo@aarhus.dk',
        GREENOPS_PUBLIC_URL: 'https://greenops.aarhus.dk/',
      },
    });
    expect(ok).toMatchObject({
      transparencyContact: 'dpo@aarhus.dk',
      publicUrl: 'https://greenops.aarhus.dk',
    });
    expect(
      loadConfig({ env: { GREENOPS_TRANSPARENCY_CONTACT: 'https://aarhus.dk/databeskyttelse' } })
        .transparencyContact,
    ).toBe('https://aarhus.dk/databeskyttelse');
  });

  it('reads retention as key=days, refusing a key twice, a missing =days and a field kept past its stream', () => {
    expect(problems({ env: { GREENOPS_RETENTION: 'fleet' } })).toContain('expected key=days');
    expect(problems({ env: { GREENOPS_RETENTION: 'fleet=60,fleet=90' } })).toContain(
      '"fleet" is given twice',
    );
    expect(problems({ env: { GREENOPS_RETENTION: 'fleet=60,fleet.driver=90' } })).toContain(
      'fleet.driver=90 is longer than fleet=60',
    );
    expect(problems({ env: { GREENOPS_RETENTION: 'fleet.driver=120' } })).toContain(
      'fleet.driver=120 is longer than fleet=90',
    );
    expect(loadConfig({ env: { GREENOPS_RETENTION: 'fleet=60, fleet.driver=14' } }).retention).toEqual({
      fleet: 60,
      'fleet.driver': 14,
    });
    // A default field period follows a stream shortened below it.
    expect(loadConfig({ env: { GREENOPS_RETENTION: 'fleet=20' } }).retention).toEqual({
      fleet: 20,
      'fleet.driver': 20,
    });
  });

  it('treats a blank organisation or department as unset', () => {
    const config = loadConfig({ env: { GREENOPS_ORGANISATION: ' ', GREENOPS_DEPARTMENT: '  ' } });
    expect(config.organisation).toBeUndefined();
    expect(config.department).toBeUndefined();
    expect(loadConfig({ env: { GREENOPS_ORGANISATION: ' Aarhus Kommune ' } }).organisation).toBe(
      'Aarhus Kommune',
    );
  });

  it('names every bad key in one error', () => {
    const message = problems({
      env: { PORT: 'eighty', GREENOPS_STORE: 'mysql', MQTT_URL: 'http://x', GREENOPS_SIMULATE: 'maybe' },
    });
    expect(message).toContain('PORT must be an integer from 0 to 65535, got "eighty"');
    expect(message).toContain('GREENOPS_STORE must be one of duckdb, influx, got "mysql"');
    expect(message).toContain('MQTT_URL must use mqtt: or mqtts: or ws: or wss: or tcp:');
    expect(message).toContain('GREENOPS_SIMULATE must be true or false');
  });

  it('takes the energy holiday calendar from the environment and names an unknown one', () => {
    expect(loadConfig().energyHolidayCalendar).toBe('dk');
    expect(loadConfig({ env: { GREENOPS_ENERGY_HOLIDAY_CALENDAR: 'gb-eng' } }).energyHolidayCalendar).toBe(
      'gb-eng',
    );
    expect(problems({ env: { GREENOPS_ENERGY_HOLIDAY_CALENDAR: 'uk' } })).toContain(
      'GREENOPS_ENERGY_HOLIDAY_CALENDAR must be one of dk, gb-eng, none, got "uk"',
    );
  });

  it('reads traffic counter positions as lat:lon and names a bad one', () => {
    const config = loadConfig({
      env: { GREENOPS_TRAFFIC_COUNTER_LOCATIONS: 'vej-1=56.1567:10.2108, sti-2=-33.9:151.2' },
    });
    expect(config.trafficCounterLocations).toEqual({
      'vej-1': { lat: 56.1567, lon: 10.2108 },
      'sti-2': { lat: -33.9, lon: 151.2 },
    });
    expect(config.trafficResultsMinutes).toBe(60);
    expect(problems({ env: { GREENOPS_TRAFFIC_COUNTER_LOCATIONS: 'vej-1=56.1,10.2' } })).toContain(
      'GREENOPS_TRAFFIC_COUNTER_LOCATIONS',
    );
    expect(problems({ env: { GREENOPS_TRAFFIC_COUNTER_LOCATIONS: 'vej-1=96:10' } })).toContain(
      '"96:10" is not lat:lon',
    );
  });

  it('refuses unknown keys in the config file and names the file', () => {
    expect(problems({ file: { prot: 80 }, fileName: 'greenops.config.json' })).toContain(
      'greenops.config.json: unknown key "prot"',
    );
  });

  it('requires InfluxDB connection details when the influx store is chosen', () => {
    const message = problems({ env: { GREENOPS_STORE: 'influx' } });
    expect(message).toContain('INFLUX_URL is required');
    expect(message).toContain('INFLUX_BUCKET');
  });

  it('takes the console OIDC client id and scopes, and names a client id without an issuer or scopes without openid', () => {
    const issuer = { GREENOPS_OIDC_ISSUER: 'https://idp.example.dk/', GREENOPS_OIDC_AUDIENCE: 'greenops' };
    const config = loadConfig({ env: { ...issuer, GREENOPS_OIDC_CLIENT_ID: 'greenops-console' } });
    expect(config.oidcClientId).toBe('greenops-console');
    expect(config.oidcScopes).toBe('openid');
    expect(
      loadConfig({ env: { ...issuer, GREENOPS_OIDC_SCOPES: ' openid  api://greenops/roads ' } }).oidcScopes,
    ).toBe('openid api://greenops/roads');
    expect(problems({ env: { GREENOPS_OIDC_CLIENT_ID: 'greenops-console' } })).toContain(
      'GREENOPS_OIDC_CLIENT_ID needs GREENOPS_OIDC_ISSUER',
    );
    expect(problems({ env: { ...issuer, GREENOPS_OIDC_CLIENT_ID: 'a b' } })).toContain(
      'GREENOPS_OIDC_CLIENT_ID must be printable ASCII with no spaces',
    );
    expect(problems({ env: { ...issuer, GREENOPS_OIDC_SCOPES: 'profile email' } })).toContain(
      'GREENOPS_OIDC_SCOPES must include openid',
    );
  });

  it('never shows secrets, in errors or in logged config', () => {
    const message = problems({
      env: { INFLUX_URL: 'not a url', MQTT_PASSWORD: 's3cret', GREENOPS_STORE: 'influx' },
    });
    expect(message).not.toContain('s3cret');
    const config = loadConfig({ env: { MQTT_PASSWORD: 's3cret', INFLUX_TOKEN: 'tok' } });
    expect(JSON.stringify(redactConfig(config))).not.toMatch(/s3cret|tok"/);
  });
});
