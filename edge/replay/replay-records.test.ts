import { describe, expect, it } from 'vitest';
import { isProblem, replayRecords } from './replay-records.js';
import { parseCsv } from '../../core/index.js';

describe('CSV replay', () => {
  it('parses quoted fields with commas, quotes and line breaks, and reports line numbers', () => {
    const rows = [...parseCsv('a,b\n1,"x, ""y"""\n\n2,"multi\nline"\r\n3,z\n')];
    expect(rows).toEqual([
      { line: 2, values: { a: '1', b: 'x, "y"' } },
      { line: 4, values: { a: '2', b: 'multi\nline' } },
      { line: 6, values: { a: '3', b: 'z' } },
    ]);
  });

  it('reads the energy import format timestamp,meter_id,kwh[,outdoor_temp_c]', () => {
    const csv =
      'timestamp,meter_id,kwh,outdoor_temp_c\n2026-01-05T00:00:00Z,m-1,12.5,-1.5\n2026-01-05T01:00:00Z,m-1,11,\n';
    const items = [...replayRecords('energy', csv, 'load.csv')];
    expect(items).toEqual([
      {
        line: 2,
        deviceId: 'm-1',
        record: {
          ts: '2026-01-05T00:00:00.000Z',
          id: 'm-1-1767571200000',
          meterId: 'm-1',
          siteId: 'm-1',
          value: 12.5,
          outdoorTempC: -1.5,
          quantity: 'electricity',
          unit: 'kWh',
          kind: 'interval',
        },
      },
      {
        line: 3,
        deviceId: 'm-1',
        record: {
          ts: '2026-01-05T01:00:00.000Z',
          id: 'm-1-1767574800000',
          meterId: 'm-1',
          siteId: 'm-1',
          value: 11,
          quantity: 'electricity',
          unit: 'kWh',
          kind: 'interval',
        },
      },
    ]);
  });

  it('reports bad rows by line and reason and keeps the good ones', () => {
    const csv = [
      'timestamp,vehicle_id,lat,lon,speed_kmh,ignition',
      '2026-01-05T08:00:00Z,v1,56.1,10.2,30,true',
      '2026-01-05T08:00:10Z,v1,156.1,10.2,30,true',
      'yesterday,v1,56.1,10.2,30,true',
      '2026-01-05T08:00:20Z,v1,56.1,10.2,thirty,true',
      '2026-01-05T08:00:30Z,v1,56.1,10.2,30',
      '2026-01-05 08:00:40,v1,56.1,10.2,0,no',
      '2026-01-05T08:00:50Z,v1,56.1,10.2,300,true',
    ].join('\n');
    const items = [...replayRecords('fleet', csv, 'trips.csv')];
    const problems = items.filter(isProblem);
    expect(problems.map((p) => p.line)).toEqual([3, 4, 5, 6, 8]);
    // The CSV column and its value, not the record's path (/lat, /speedKmh).
    expect(problems[0]?.reason).toMatch(/^lat: "156.1": Expected number to be less or equal to 90$/);
    expect(problems[4]?.reason).toMatch(/^speed_kmh: "300": Expected number to be less or equal to 250$/);
    expect(problems[1]?.reason).toContain('timestamp');
    expect(problems[2]?.reason).toContain('speed_kmh: "thirty" is not a number');
    expect(problems[3]?.reason).toContain('expected 6 columns, found 5');
    const good = items.filter((i) => !isProblem(i));
    expect(good).toHaveLength(2);
    expect(good[1]).toMatchObject({ line: 7, record: { ts: '2026-01-05T08:00:40.000Z', ignition: false } });
  });

  it('counts every line an unterminated quote swallows as rejected, naming the line where it opened', () => {
    const csv = [
      'timestamp,meter_id,kwh,outdoor_temp_c',
      '2026-01-05T00:00:00Z,m-1,12.5,-1.5',
      '2026-01-05T01:00:00Z,m-1,"12.3,4.1',
      '2026-01-05T02:00:00Z,m-1,11,-1',
      '',
      '2026-01-05T03:00:00Z,m-1,10,-1',
      '',
    ].join('\n');
    const items = [...replayRecords('energy', csv, 'load.csv')];
    expect(items.filter((i) => !isProblem(i)).map((i) => i.line)).toEqual([2]);
    const reason =
      'unterminated quote opened on line 3: lines 3–6 (to the end of the file) could not be read';
    expect(items.filter(isProblem)).toEqual([
      { line: 3, reason },
      { line: 4, reason },
      { line: 6, reason },
    ]);
    // every non-blank line after the header is either a reading or a rejected row
    expect(items).toHaveLength(csv.split('\n').filter((l) => l.trim() !== '').length - 1);
  });

  it('refuses a file whose header has an unterminated quote, naming the file and line', () => {
    expect(() => [
      ...replayRecords('energy', 'timestamp,"meter_id,kwh\n2026-01-05T00:00:00Z,m,1\n', 'x.csv'),
    ]).toThrow(/^x\.csv:1: unterminated quote opened on line 1: lines 1–2 .* \(in the header\)$/);
  });

  it('refuses a file whose header has unknown or missing columns, naming the file', () => {
    expect(() => [...replayRecords('traffic', 'timestamp,counter,cars\n', 'counts.csv')]).toThrow(
      /counts\.csv:1: unknown column\(s\) counter, cars; missing column\(s\) counter_id, interval_s, direction/,
    );
  });

  it('names a header separated by semicolons, without a stack trace (a GreenopsError)', () => {
    expect(() => [
      ...replayRecords('energy', 'timestamp;meter_id;kwh\n2026-01-05T00:00:00Z;m;1,5\n', 'x.csv'),
    ]).toThrow(
      expect.objectContaining({
        code: 'INVALID_INPUT_FILE',
        message: expect.stringMatching(
          /^x\.csv:1: unknown column\(s\) timestamp;meter_id;kwh; missing column\(s\) timestamp, meter_id, kwh for stream energy \(columns: [^)]*\) — the header is separated by semicolons \(;\)/,
        ),
      }),
    );
  });

  it('names the CSV column, not the record field, when a value breaks the schema', () => {
    const items = [
      ...replayRecords('energy', 'timestamp,meter_id,kwh\n2026-01-05T00:00:00Z,m,-4\n', 'x.csv'),
    ];
    expect(items).toEqual([{ line: 2, reason: 'kwh: "-4": Expected number to be greater or equal to 0' }]);
  });

  it('builds nested traffic and road records', () => {
    const traffic = [
      ...replayRecords(
        'traffic',
        'timestamp,counter_id,interval_s,direction,car,bicycle,speed_mean_kmh\n2026-01-05T07:00:00Z,c1,900,in,100,20,41.5\n',
        't.csv',
      ),
    ];
    expect(traffic[0]).toMatchObject({
      record: { counts: { car: 100, bicycle: 20 }, speed: { meanKmh: 41.5 }, uptime: 1 },
    });
    const road = [
      ...replayRecords(
        'road',
        'timestamp,camera_id,lat,lon,damage,confidence,bbox_x,bbox_y,bbox_w,bbox_h\n2026-01-05T07:00:00Z,cam1,56.1,10.2,D40,0.9,0.1,0.5,0.2,0.1\n',
        'r.csv',
      ),
    ];
    expect(road[0]).toMatchObject({
      deviceId: 'cam1',
      record: { damage: 'D40', bbox: { x: 0.1, y: 0.5, w: 0.2, h: 0.1 } },
    });
  });
});
