import { csvLine } from './csv-line.js';
import { TRAFFIC_MODES, type TrafficMode } from './traffic-interval.js';
import type { CounterYearReport } from './traffic-report.js';

/** Danish names of the modes, as the key-figure columns name them. */
const MODE_NAMES: Record<TrafficMode, string> = {
  car: 'personbiler',
  van: 'varebiler',
  truck: 'lastbiler',
  bus: 'busser',
  bicycle: 'cykler',
  pedestrian: 'fodgængere',
};

/**
 * The columns of the key-figure CSV: one row per counter and year, the figures Vejdirektoratet's key-figure database
 * publishes per counting point (ÅDT, HVDT, July day traffic "JDT", heavy share, speeds), with how each ÅDT was made.
 */
export const KEY_FIGURE_COLUMNS = [
  'Tællested',
  'År',
  'Tidszone',
  'Retninger',
  'Metode',
  'Tælledage',
  'ÅDT',
  'ÅDT nedre 90 %',
  'ÅDT øvre 90 %',
  'HVDT',
  'JDT',
  'Andel tunge (%)',
  'Spidstimeandel (%)',
  'Middelhastighed (km/t)',
  'V85 (km/t)',
  'Hastighedsgrænse (km/t)',
  'Andel over grænsen (%)',
  ...TRAFFIC_MODES.map((m) => `ÅDT ${MODE_NAMES[m]}`),
  'Faktorgruppe',
  'Tilgængelighed (%)',
  'Status',
] as const;

/** A number the Danish way (decimal comma), or empty when not known. */
function dk(v: number | null | undefined, digits = 0): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '';
  return v.toFixed(digits).replace('.', ',');
}

const pct = (v: number | null | undefined) => dk(v === null || v === undefined ? v : v * 100, 1);

/**
 * Key figures per counter and year as CSV in the Danish spreadsheet convention of the national key-figure exports:
 * semicolon-separated, decimal comma, UTF-8 with a byte-order mark (so a spreadsheet reads æøå), CRLF line ends.
 */
export function keyFiguresCsv(reports: readonly CounterYearReport[]): string {
  const lines = [csvLine(KEY_FIGURE_COLUMNS, ';')];
  for (const r of reports) {
    const a = r.aadt;
    lines.push(
      csvLine(
        [
          r.counter,
          r.year,
          r.timeZone,
          r.directions.join(' '),
          a.method,
          a.days,
          dk(a.value),
          dk(a.low),
          dk(a.high),
          dk(r.hvdt),
          dk(r.july),
          pct(r.heavyShare),
          pct(r.peakHourShare),
          dk(r.speed?.meanKmh, 1),
          dk(r.speed?.v85Kmh, 1),
          dk(r.speed?.limitKmh),
          pct(r.speed?.overLimitShare),
          ...TRAFFIC_MODES.map((m) => dk(r.modeAadt[m]?.value)),
          a.factorGroup ? `${a.factorGroup.pattern}: ${a.factorGroup.counters.join(' ')}` : '',
          pct(r.health.availability),
          r.health.status,
        ],
        ';',
      ),
    );
  }
  return '\uFEFF' + lines.join('\r\n') + '\r\n';
}
