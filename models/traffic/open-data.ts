import { csvLine } from './csv-line.js';
import { HEAVY_MODES, type TrafficMode } from './traffic-interval.js';
import type { AadtFigure, CounterYearReport } from './traffic-report.js';

export const OPEN_DATA_LICENSE = {
  id: 'CC-BY-4.0',
  name: 'Creative Commons Attribution 4.0 International',
  url: 'https://creativecommons.org/licenses/by/4.0/',
} as const;

export interface OpenDataOptions {
  /** A figure under this many per day (a mode's ÅDT, or the counter's) is suppressed. */
  minCount: number;
  /** Who publishes the data: the attribution CC BY asks for. */
  attribution: string;
  /** Counter positions (WGS 84) for GeoJSON; a counter without one has a null geometry. */
  locations: Readonly<Record<string, { lat: number; lon: number }>>;
  /** When the export was made (ISO 8601). */
  generated: string;
}

export const DEFAULT_OPEN_DATA_OPTIONS: Omit<OpenDataOptions, 'generated'> = {
  minCount: 10,
  attribution: 'greenops',
  locations: {},
};

/** One published figure: a counter-year's ÅDT over all modes (`mode` all) or of one mode. */
export interface OpenDataRow {
  counter: string;
  year: number;
  mode: TrafficMode | 'all';
  /** Null when suppressed. */
  aadt: number | null;
  aadtLow: number | null;
  aadtHigh: number | null;
  method: AadtFigure['method'];
  days: number;
  /** Only on the `all` row. */
  hvdt: number | null;
  july: number | null;
  heavyShare: number | null;
  /** Why the figures are empty: `small-count` (under minCount) or `complementary` (would reveal a small one). */
  suppressed: 'small-count' | 'complementary' | null;
}

/**
 * The open-data figures of counter-years, small counts suppressed: a mode whose ÅDT is under `minCount` a day is
 * left out (a handful of passages a day can point to a household's habits); when exactly one mode of a counter-year
 * is left out and the total is published, the next smallest is left out too (complementary suppression, as
 * statistical offices do: else the total minus the others gives it back), and the heavy share goes with any heavy
 * mode left out. A counter-year whose total is under `minCount` publishes nothing but that it exists.
 */
export function openDataRows(
  reports: readonly CounterYearReport[],
  options: Pick<OpenDataOptions, 'minCount'>,
): OpenDataRow[] {
  const out: OpenDataRow[] = [];
  for (const r of reports) {
    const small = r.aadt.value < options.minCount;
    const modes = r.modes.filter((m) => r.modeAadt[m] !== undefined);
    const reason = new Map<TrafficMode, OpenDataRow['suppressed']>();
    for (const m of modes)
      if (small || (r.modeAadt[m] as AadtFigure).value < options.minCount) reason.set(m, 'small-count');
    if (!small && reason.size === 1 && modes.length > 1) {
      const next = modes
        .filter((m) => !reason.has(m))
        .sort((x, y) => (r.modeAadt[x] as AadtFigure).value - (r.modeAadt[y] as AadtFigure).value)[0];
      if (next) reason.set(next, 'complementary');
    }
    const heavyHidden = HEAVY_MODES.some((m) => reason.has(m));
    const figure = (
      mode: TrafficMode | 'all',
      a: AadtFigure,
      why: OpenDataRow['suppressed'],
      extra: Pick<OpenDataRow, 'hvdt' | 'july' | 'heavyShare'>,
    ): OpenDataRow => ({
      counter: r.counter,
      year: r.year,
      mode,
      aadt: why ? null : a.value,
      aadtLow: why ? null : a.low,
      aadtHigh: why ? null : a.high,
      method: a.method,
      days: a.days,
      ...(why ? { hvdt: null, july: null, heavyShare: null } : extra),
      suppressed: why,
    });
    out.push(
      figure('all', r.aadt, small ? 'small-count' : null, {
        hvdt: r.hvdt,
        july: r.july,
        heavyShare: heavyHidden ? null : r.heavyShare,
      }),
    );
    for (const m of modes)
      out.push(
        figure(m, r.modeAadt[m] as AadtFigure, reason.get(m) ?? null, {
          hvdt: null,
          july: null,
          heavyShare: null,
        }),
      );
  }
  return out;
}

export const OPEN_DATA_COLUMNS = [
  { name: 'counter', title: 'counting point', datatype: 'string' },
  { name: 'year', title: 'local calendar year', datatype: 'integer' },
  { name: 'mode', title: 'all, or a mode: car, van, truck, bus, bicycle, pedestrian', datatype: 'string' },
  { name: 'aadt', title: 'annual average daily traffic (ÅDT), per day, all directions', datatype: 'number' },
  { name: 'aadt_low', title: 'lower end of the 90 % range of the ÅDT', datatype: 'number' },
  { name: 'aadt_high', title: 'upper end of the 90 % range of the ÅDT', datatype: 'number' },
  { name: 'method', title: 'aashto, short-count or mean-of-days', datatype: 'string' },
  { name: 'days', title: 'complete local days counted', datatype: 'integer' },
  { name: 'hvdt', title: 'average working-day traffic (HVDT)', datatype: 'number' },
  { name: 'july', title: 'average July day traffic', datatype: 'number' },
  { name: 'heavy_share', title: 'trucks and buses as a share of motor vehicles', datatype: 'number' },
  { name: 'suppressed', title: 'empty, small-count or complementary', datatype: 'string' },
  { name: 'latitude', title: 'WGS 84 latitude of the counter', datatype: 'number' },
  { name: 'longitude', title: 'WGS 84 longitude of the counter', datatype: 'number' },
] as const;

/** The open-data rows as CSV (RFC 4180, comma, decimal point, UTF-8), described by `openDataCsvMetadata`. */
export function openDataCsv(
  rows: readonly OpenDataRow[],
  options: Pick<OpenDataOptions, 'locations'>,
): string {
  const lines = [csvLine(OPEN_DATA_COLUMNS.map((c) => c.name))];
  for (const r of rows) {
    const at = options.locations[r.counter];
    lines.push(
      csvLine([
        r.counter,
        r.year,
        r.mode,
        r.aadt,
        r.aadtLow,
        r.aadtHigh,
        r.method,
        r.days,
        r.hvdt,
        r.july,
        r.heavyShare,
        r.suppressed,
        at?.lat,
        at?.lon,
      ]),
    );
  }
  return lines.join('\r\n') + '\r\n';
}

/**
 * Metadata of the open-data CSV in the W3C "CSV on the Web" vocabulary (a `…-metadata.json` beside the file): its
 * licence (CC BY 4.0), attribution, columns and the suppression rule.
 */
export function openDataCsvMetadata(
  url: string,
  options: Pick<OpenDataOptions, 'minCount' | 'attribution' | 'generated'>,
): Record<string, unknown> {
  return {
    '@context': 'http://www.w3.org/ns/csvw',
    url,
    'dc:title': 'Traffic counts: annual average daily traffic (ÅDT) per counter and year',
    'dc:license': { '@id': OPEN_DATA_LICENSE.url },
    'dc:rights': `${OPEN_DATA_LICENSE.name} (${OPEN_DATA_LICENSE.id}); attribution: ${options.attribution}`,
    'dc:publisher': options.attribution,
    'dc:created': options.generated,
    'dc:description': suppressionText(options.minCount),
    tableSchema: {
      columns: OPEN_DATA_COLUMNS.map((c) => ({ name: c.name, titles: c.title, datatype: c.datatype })),
      primaryKey: ['counter', 'year', 'mode'],
    },
  };
}

function suppressionText(minCount: number): string {
  return `Figures under ${minCount} a day are suppressed for privacy, and where one suppressed figure could be worked out from the total and the others, the next smallest is suppressed too (column suppressed).`;
}

/**
 * The open-data figures as GeoJSON (RFC 7946): a Feature per counter-year at the counter's position (a null geometry
 * when it has none configured), the modes' figures in its properties, licence and attribution as members of the
 * FeatureCollection.
 */
export function openDataGeoJson(
  rows: readonly OpenDataRow[],
  options: OpenDataOptions,
): Record<string, unknown> {
  const features: Record<string, unknown>[] = [];
  const byCounterYear = new Map<string, OpenDataRow[]>();
  for (const r of rows) {
    const key = `${r.counter}|${r.year}`;
    byCounterYear.set(key, [...(byCounterYear.get(key) ?? []), r]);
  }
  for (const group of byCounterYear.values()) {
    const all = group.find((r) => r.mode === 'all') as OpenDataRow;
    const at = options.locations[all.counter];
    const figure = (r: OpenDataRow) => ({
      aadt: r.aadt,
      aadt_low: r.aadtLow,
      aadt_high: r.aadtHigh,
      suppressed: r.suppressed,
    });
    features.push({
      type: 'Feature',
      id: `${all.counter}/${all.year}`,
      geometry: at ? { type: 'Point', coordinates: [at.lon, at.lat] } : null,
      properties: {
        counter: all.counter,
        year: all.year,
        method: all.method,
        days: all.days,
        ...figure(all),
        hvdt: all.hvdt,
        july: all.july,
        heavy_share: all.heavyShare,
        modes: Object.fromEntries(group.filter((r) => r.mode !== 'all').map((r) => [r.mode, figure(r)])),
      },
    });
  }
  return {
    type: 'FeatureCollection',
    name: 'traffic-aadt',
    license: OPEN_DATA_LICENSE.id,
    license_url: OPEN_DATA_LICENSE.url,
    attribution: options.attribution,
    generated: options.generated,
    suppression: { minCount: options.minCount, rule: suppressionText(options.minCount) },
    features,
  };
}
