import { describe, expect, it } from 'vitest';
import { keyFiguresCsv } from './key-figures.js';
import {
  openDataCsv,
  openDataCsvMetadata,
  openDataGeoJson,
  openDataRows,
  type OpenDataOptions,
} from './open-data.js';
import type { TrafficMode } from './traffic-interval.js';
import type { AadtFigure, CounterYearReport } from './traffic-report.js';

const figure = (value: number): AadtFigure => ({
  value,
  low: value * 0.9,
  high: value * 1.1,
  method: 'aashto',
  days: 350,
  description: 'AASHTO',
});

/** A counter-year whose total is the sum of its modes' ÅDT. */
function report(counter: string, modes: Partial<Record<TrafficMode, number>>): CounterYearReport {
  const total = Object.values(modes).reduce((s, v) => s + v, 0);
  const motor = (modes.car ?? 0) + (modes.van ?? 0) + (modes.truck ?? 0) + (modes.bus ?? 0);
  return {
    counter,
    year: 2024,
    timeZone: 'Europe/Copenhagen',
    directions: ['in', 'out'],
    modes: Object.keys(modes) as TrafficMode[],
    days: { seen: 366, complete: 350 },
    aadt: figure(total),
    modeAadt: Object.fromEntries(Object.entries(modes).map(([m, v]) => [m, figure(v)])),
    hvdt: total * 1.1,
    july: total * 0.9,
    peakHourShare: 0.1,
    heavyShare: motor > 0 ? ((modes.truck ?? 0) + (modes.bus ?? 0)) / motor : null,
    modeShares: {},
    speed: null,
    methods: { hvdt: '', july: '', peakHourShare: '', heavyShare: '', modeShares: '' },
    health: {
      status: 'ok',
      availability: 0.99,
      issues: [],
      counts: { outage: 0, 'low-uptime': 0, stuck: 0, 'zero-run': 0, jump: 0 },
    },
  };
}

const options: OpenDataOptions = {
  minCount: 10,
  attribution: 'Aarhus Kommune',
  locations: { road: { lat: 56.1567, lon: 10.2108 } },
  generated: '2025-01-02T00:00:00.000Z',
};

describe('open-data export', () => {
  it('suppresses a small mode and the next smallest, so the total cannot give it back', () => {
    const rows = openDataRows([report('road', { car: 900, truck: 40, bus: 4, bicycle: 120 })], options);
    const by = Object.fromEntries(rows.map((r) => [r.mode, r]));
    expect(by.bus).toMatchObject({ aadt: null, aadtLow: null, aadtHigh: null, suppressed: 'small-count' });
    expect(by.truck).toMatchObject({ aadt: null, suppressed: 'complementary' });
    expect(by.car).toMatchObject({ aadt: 900, suppressed: null });
    expect(by.bicycle).toMatchObject({ aadt: 120, suppressed: null });
    expect(by.all).toMatchObject({ aadt: 1064, hvdt: 1064 * 1.1, suppressed: null });
    // The heavy share would give back trucks + buses from the car count.
    expect(by.all?.heavyShare).toBeNull();
    // What is published does not determine the suppressed bus count: total − published modes mixes two.
    const published = (by.car?.aadt as number) + (by.bicycle?.aadt as number);
    expect((by.all?.aadt as number) - published).toBe(44);
  });

  it('publishes nothing but its existence for a counter-year whose total is small', () => {
    const rows = openDataRows([report('path', { pedestrian: 6, bicycle: 2 })], options);
    expect(rows.map((r) => [r.mode, r.aadt, r.hvdt, r.suppressed])).toEqual([
      ['all', null, null, 'small-count'],
      ['pedestrian', null, null, 'small-count'],
      ['bicycle', null, null, 'small-count'],
    ]);
  });

  it('suppresses nothing when every figure reaches the threshold, and keeps the heavy share', () => {
    const rows = openDataRows([report('road', { car: 900, truck: 40, bus: 12 })], options);
    expect(rows.every((r) => r.suppressed === null && r.aadt !== null)).toBe(true);
    expect(rows[0]?.heavyShare).toBeCloseTo(52 / 952, 10);
  });

  it('writes CSV with a header, empty cells for suppressed figures and the counter’s position', () => {
    const rows = openDataRows([report('road', { car: 900, bus: 4, bicycle: 120 })], options);
    const lines = openDataCsv(rows, options).trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'counter,year,mode,aadt,aadt_low,aadt_high,method,days,hvdt,july,heavy_share,suppressed,latitude,longitude',
    );
    expect(lines).toContain('road,2024,bus,,,,aashto,350,,,,small-count,56.1567,10.2108');
    const meta = openDataCsvMetadata('open.csv', options);
    expect(meta['dc:license']).toEqual({ '@id': 'https://creativecommons.org/licenses/by/4.0/' });
    expect((meta.tableSchema as { columns: { name: string }[] }).columns.map((c) => c.name)).toEqual(
      lines[0]?.split(','),
    );
  });

  it('writes GeoJSON with licence and attribution, a point per located counter and null geometry otherwise', () => {
    const rows = openDataRows(
      [report('road', { car: 900, bicycle: 120 }), report('lane', { bicycle: 300 })],
      options,
    );
    const doc = openDataGeoJson(rows, options) as {
      license: string;
      attribution: string;
      features: { geometry: unknown; properties: { counter: string; modes: Record<string, unknown> } }[];
    };
    expect(doc.license).toBe('CC-BY-4.0');
    expect(doc.attribution).toBe('Aarhus Kommune');
    expect(doc.features.map((f) => [f.properties.counter, f.geometry])).toEqual([
      ['road', { type: 'Point', coordinates: [10.2108, 56.1567] }],
      ['lane', null],
    ]);
    expect(Object.keys(doc.features[0]?.properties.modes ?? {})).toEqual(['car', 'bicycle']);
  });
});

describe('key-figure CSV', () => {
  it('is semicolon-separated with decimal commas and a column per figure', () => {
    const text = keyFiguresCsv([report('road', { car: 900.4, truck: 40 })]);
    expect(text.startsWith('\uFEFFTællested;År;')).toBe(true);
    const [header, row] = text.slice(1).trimEnd().split('\r\n') as [string, string];
    const cells = Object.fromEntries(header.split(';').map((h, i) => [h, row.split(';')[i]]));
    expect(cells).toMatchObject({
      Tællested: 'road',
      År: '2024',
      Metode: 'aashto',
      ÅDT: '940',
      'ÅDT nedre 90 %': '846',
      'Andel tunge (%)': '4,3',
      'ÅDT personbiler': '900',
      'ÅDT cykler': '',
      Status: 'ok',
    });
  });
});
