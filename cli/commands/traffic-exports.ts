import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { GreenopsError } from '../../core/index.js';
import {
  DEFAULT_OPEN_DATA_OPTIONS,
  keyFiguresCsv,
  openDataCsv,
  openDataCsvMetadata,
  openDataGeoJson,
  openDataRows,
  type CounterYearReport,
  type OpenDataOptions,
} from '../../models/index.js';
import { reportFile, withReadFlags, type TrafficReadFlags } from './traffic-file.js';

function onlyYear(reports: CounterYearReport[], year: string | undefined): CounterYearReport[] {
  if (year === undefined) return reports;
  if (!/^\d{4}$/.test(year))
    throw new GreenopsError('BAD_REQUEST', `--year: "${year}" is not a year such as 2024`, { field: 'year' });
  return reports.filter((r) => r.year === Number(year));
}

/** `counter=lat:lon` flags as positions. */
function locations(specs: string[] | string | undefined): OpenDataOptions['locations'] {
  const out: Record<string, { lat: number; lon: number }> = {};
  for (const spec of [specs ?? []].flat()) {
    const m = /^(.+)=(-?\d{1,2}(?:\.\d+)?):(-?\d{1,3}(?:\.\d+)?)$/.exec(spec);
    const lat = Number(m?.[2]);
    const lon = Number(m?.[3]);
    if (!m || Math.abs(lat) > 90 || Math.abs(lon) > 180)
      throw new GreenopsError(
        'BAD_REQUEST',
        `--location: "${spec}" is not counter=lat:lon such as counter-1=56.1567:10.2108`,
        { field: 'location' },
      );
    out[m[1] as string] = { lat, lon };
  }
  return out;
}

function emit(text: string, out: string | undefined): void {
  if (out) writeFileSync(out, text);
  else process.stdout.write(text);
}

/** `greenops traffic key-figures` and `greenops traffic open-data`: the exports of a traffic CSV's report. */
export function registerTrafficExportCommands(traffic: Command): void {
  withReadFlags(
    traffic
      .command('key-figures')
      .description(
        'key figures per counter and year as CSV in the Danish key-figure shape (semicolons, decimal comma)',
      ),
  )
    .option('--year <year>', 'only this local year (default: every year in the file)')
    .option('--out <file>', 'output file (default: standard output)')
    .action((opts: TrafficReadFlags & { year?: string; out?: string }) => {
      const { reports } = reportFile(opts);
      emit(keyFiguresCsv(onlyYear(reports, opts.year)), opts.out);
    });

  withReadFlags(
    traffic
      .command('open-data')
      .description(
        'open data (CC BY 4.0): ÅDT per counter, year and mode as CSV or GeoJSON, small counts suppressed',
      ),
  )
    .option('--format <format>', 'csv or geojson', 'csv')
    .option('--year <year>', 'only this local year (default: every year in the file)')
    .option(
      '--min-count <n>',
      'figures under this many a day are suppressed',
      String(DEFAULT_OPEN_DATA_OPTIONS.minCount),
    )
    .option('--attribution <text>', 'publisher named in the CC BY attribution', 'greenops')
    .option('--location <counter=lat:lon...>', 'position of a counter, WGS 84 (repeatable)')
    .option('--out <file>', 'output file; with csv, the CSVW metadata goes beside it as <file>-metadata.json')
    .action(
      (
        opts: TrafficReadFlags & {
          format: string;
          year?: string;
          minCount: string;
          attribution: string;
          location?: string[] | string;
          out?: string;
        },
      ) => {
        if (opts.format !== 'csv' && opts.format !== 'geojson')
          throw new GreenopsError('BAD_REQUEST', '--format: must be csv or geojson', { field: 'format' });
        const minCount = Number(opts.minCount);
        if (!Number.isInteger(minCount) || minCount < 0 || minCount > 10_000)
          throw new GreenopsError('BAD_REQUEST', '--min-count: must be a whole number from 0 to 10000', {
            field: 'min-count',
          });
        const options: OpenDataOptions = {
          minCount,
          attribution: opts.attribution,
          locations: locations(opts.location),
          generated: new Date().toISOString(),
        };
        const rows = openDataRows(onlyYear(reportFile(opts).reports, opts.year), options);
        if (opts.format === 'geojson') {
          emit(JSON.stringify(openDataGeoJson(rows, options), null, 2) + '\n', opts.out);
          return;
        }
        emit(openDataCsv(rows, options), opts.out);
        if (opts.out)
          writeFileSync(
            `${opts.out}-metadata.json`,
            JSON.stringify(openDataCsvMetadata(basename(opts.out), options), null, 2) + '\n',
          );
      },
    );
}
