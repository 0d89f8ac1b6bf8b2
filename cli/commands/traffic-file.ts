import type { Command } from 'commander';
import { GreenopsError, type TrafficRecord } from '../../core/index.js';
import { isProblem, replayRecords } from '../../edge/index.js';
import {
  DEFAULT_TRAFFIC_SETTINGS,
  LocalCalendar,
  analyseCounter,
  intervalFromRecord,
  trafficReport,
  type CounterYearReport,
  type TrafficInterval,
  type TrafficSettings,
} from '../../models/index.js';
import { readInputFile } from '../runtime.js';

/** The intervals of a traffic replay CSV by counter; bad lines are reported by file and line, the rest read. */
export function readTrafficCsv(
  text: string,
  file: string,
  onProblem: (line: number, reason: string) => void,
): Map<string, TrafficInterval[]> {
  const counters = new Map<string, TrafficInterval[]>();
  for (const item of replayRecords('traffic', text, file)) {
    if (isProblem(item)) {
      onProblem(item.line, item.reason);
      continue;
    }
    const iv = intervalFromRecord(item.deviceId, item.record as TrafficRecord);
    const list = counters.get(item.deviceId);
    if (list) list.push(iv);
    else counters.set(item.deviceId, [iv]);
  }
  return counters;
}

/** The report of `greenops traffic report`: every counter and local year in the file. */
export function trafficFileReport(
  counters: Map<string, TrafficInterval[]>,
  settings: TrafficSettings,
): CounterYearReport[] {
  const analyses = [...counters.keys()].sort().map((c) => analyseCounter(c, counters.get(c) ?? [], settings));
  return trafficReport(analyses, settings);
}

/** The flags of every command that reads a traffic CSV. */
export interface TrafficReadFlags {
  input: string;
  timeZone: string;
  holidays: string;
  minUptime: string;
  speedLimit?: string[] | string;
}

/** Adds the flags of a command that reads a traffic CSV (file, zone, holidays, uptime, speed limits). */
export function withReadFlags(command: Command): Command {
  return command
    .requiredOption(
      '--input <file>',
      'traffic replay CSV (the columns of `greenops edge replay --stream traffic`)',
    )
    .option('--time-zone <zone>', 'IANA zone of the counters’ local days', DEFAULT_TRAFFIC_SETTINGS.timeZone)
    .option('--holidays <set>', 'public holidays left out of working-day figures: DK or none', 'DK')
    .option('--min-uptime <fraction>', 'intervals under this uptime are missing; above it scaled up', '0.5')
    .option(
      '--speed-limit <counter=kmh...>',
      'speed limit of a counter, for the compliance figure (repeatable)',
    );
}

function settingsFromFlags(opts: TrafficReadFlags): TrafficSettings {
  try {
    new LocalCalendar(opts.timeZone);
  } catch (err) {
    throw new GreenopsError(
      'BAD_REQUEST',
      `--time-zone: "${opts.timeZone}" is not an IANA zone such as Europe/Copenhagen`,
      { field: 'time-zone', cause: err },
    );
  }
  if (opts.holidays !== 'DK' && opts.holidays !== 'none')
    throw new GreenopsError('BAD_REQUEST', '--holidays: must be DK or none', { field: 'holidays' });
  const minUptime = Number(opts.minUptime);
  if (!(minUptime > 0 && minUptime <= 1))
    throw new GreenopsError('BAD_REQUEST', '--min-uptime: must be a fraction above 0, at most 1', {
      field: 'min-uptime',
    });
  const speedLimitsKmh: Record<string, number> = {};
  for (const spec of [opts.speedLimit ?? []].flat()) {
    const m = /^(.+)=(\d{1,3})$/.exec(spec);
    if (!m)
      throw new GreenopsError('BAD_REQUEST', `--speed-limit: "${spec}" is not counter=kmh`, {
        field: 'speed-limit',
      });
    speedLimitsKmh[m[1] as string] = Number(m[2]);
  }
  return {
    ...DEFAULT_TRAFFIC_SETTINGS,
    timeZone: opts.timeZone,
    holidays: opts.holidays,
    minUptime,
    speedLimitsKmh,
  };
}

/** Reads and reports a traffic CSV; bad lines go to stderr as `file:line: reason` (the first 20, then a count). */
export function reportFile(opts: TrafficReadFlags): {
  settings: TrafficSettings;
  reports: CounterYearReport[];
  problems: number;
} {
  const settings = settingsFromFlags(opts);
  let problems = 0;
  const counters = readTrafficCsv(readInputFile(opts.input), opts.input, (line, reason) => {
    problems++;
    if (problems <= 20) console.error(`${opts.input}:${line}: ${reason}`);
  });
  if (problems > 20) console.error(`${opts.input}: ${problems} lines refused in all`);
  return { settings, reports: trafficFileReport(counters, settings), problems };
}
