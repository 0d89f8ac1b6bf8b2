import { GreenopsError, parseCsv, type FleetRecord } from '../../core/index.js';
import { isProblem, replayRecords } from '../../edge/index.js';
import {
  DEFAULT_FLEET_DEFAULTS,
  DEFAULT_FLEET_SETTINGS,
  FleetPool,
  fleetReport,
  readFleetDefaults,
  readVehicleRegister,
  type FleetReport,
  type FleetSettings,
  type FleetSite,
} from '../../models/index.js';
import { readInputFile } from '../runtime.js';

/** The flags of `greenops fleet report`. */
export interface FleetReportFlags {
  input: string;
  json?: boolean;
  evModel?: string;
  defaults?: string;
  vehicles?: string;
  temperatures?: string;
  site?: string[] | string;
  minTripMinutes: string;
  minTripKm: string;
  minParkingMinutes: string;
  gapMinutes: string;
  gridMetres: string;
}

function numberFlag(text: string, name: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new GreenopsError('BAD_REQUEST', `--${name}: must be a number from ${min} to ${max}`, {
      field: name,
    });
  return n;
}

/** Thresholds and sites from the flags, over DEFAULT_FLEET_SETTINGS. */
export function fleetSettingsFromFlags(opts: FleetReportFlags): FleetSettings {
  const sites: FleetSite[] = [];
  for (const spec of [opts.site ?? []].flat()) {
    const m = /^([a-z0-9_-]{1,40})=(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)(?:,(\d+))?$/i.exec(spec);
    if (!m || Math.abs(Number(m[2])) > 90 || Math.abs(Number(m[3])) > 180)
      throw new GreenopsError('BAD_REQUEST', `--site: "${spec}" is not id=lat,lon[,radius-m]`, {
        field: 'site',
      });
    sites.push({ id: m[1] as string, lat: Number(m[2]), lon: Number(m[3]), radiusM: Number(m[4] ?? 300) });
  }
  return {
    ...DEFAULT_FLEET_SETTINGS,
    minTripSeconds: numberFlag(opts.minTripMinutes, 'min-trip-minutes', 0, 120) * 60,
    minTripKm: numberFlag(opts.minTripKm, 'min-trip-km', 0, 100),
    minParkingSeconds: numberFlag(opts.minParkingMinutes, 'min-parking-minutes', 0.5, 600) * 60,
    maxGapSeconds: numberFlag(opts.gapMinutes, 'gap-minutes', 1, 1440) * 60,
    gridMetres: numberFlag(opts.gridMetres, 'grid-metres', 50, 5000),
    sites,
  };
}

/** `date,temp_c` rows: the daily minimum outdoor temperature by local date. */
export function readTemperatures(text: string, file: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const row of parseCsv(
    text,
    (names) => {
      if (!names.includes('date') || !names.includes('temp_c'))
        throw new GreenopsError('BAD_REQUEST', `${file}:1: the columns must include date and temp_c`, {
          field: 'temperatures',
        });
    },
    file,
  )) {
    if (row.error !== undefined)
      throw new GreenopsError('BAD_REQUEST', `${file}:${row.line}: ${row.error}`, { field: 'temperatures' });
    const date = row.values.date ?? '';
    const t = Number(row.values.temp_c);
    if (
      !/^\d{4}-\d{2}-\d{2}$/.test(date) ||
      row.values.temp_c === '' ||
      !Number.isFinite(t) ||
      t < -60 ||
      t > 60
    )
      throw new GreenopsError(
        'BAD_REQUEST',
        `${file}:${row.line}: expected a YYYY-MM-DD date and a temperature in °C`,
        {
          field: 'temperatures',
        },
      );
    out.set(date, t);
  }
  return out;
}

/**
 * Reads a fleet replay CSV into a pool: samples are grouped by vehicle and put in time order first, so a file
 * need not be sorted. Bad lines are reported by line and skipped.
 */
export function readFleetCsv(
  text: string,
  file: string,
  settings: FleetSettings,
  onProblem: (line: number, reason: string) => void,
): FleetPool {
  const byVehicle = new Map<string, FleetRecord[]>();
  for (const item of replayRecords('fleet', text, file)) {
    if (isProblem(item)) {
      onProblem(item.line, item.reason);
      continue;
    }
    const list = byVehicle.get(item.deviceId) ?? [];
    list.push(item.record as FleetRecord);
    byVehicle.set(item.deviceId, list);
  }
  const pool = new FleetPool(settings);
  for (const [vehicle, records] of byVehicle) {
    const timed = records.map((r) => [Date.parse(r.ts), r] as const).sort((a, b) => a[0] - b[0]);
    for (const [t, r] of timed) pool.addRecord(vehicle, r, t, r.vehicleClass);
  }
  return pool;
}

/**
 * The whole report of a fleet replay CSV, with the vehicle register of `--vehicles` if given; bad lines of either
 * go to stderr as `file:line: reason` (the first 20 of each) and are left out.
 */
export function fleetFileReport(opts: FleetReportFlags): FleetReport & {
  input: string;
  linesRefused: number;
  vehiclesFile: string | null;
  registerLinesRefused: number;
} {
  const settings = fleetSettingsFromFlags(opts);
  const defaults = opts.defaults ? readFleetDefaults(opts.defaults) : DEFAULT_FLEET_DEFAULTS;
  const temperatures = opts.temperatures
    ? readTemperatures(readInputFile(opts.temperatures), opts.temperatures)
    : undefined;
  let registerProblems = 0;
  const register = opts.vehicles
    ? readVehicleRegister(opts.vehicles, defaults, (line, reason) => {
        registerProblems++;
        if (registerProblems <= 20) console.error(`${opts.vehicles}:${line}: ${reason}`);
      })
    : undefined;
  if (registerProblems > 20) console.error(`${opts.vehicles}: ${registerProblems} lines refused in all`);
  let problems = 0;
  const pool = readFleetCsv(readInputFile(opts.input), opts.input, settings, (line, reason) => {
    problems++;
    if (problems <= 20) console.error(`${opts.input}:${line}: ${reason}`);
  });
  if (problems > 20) console.error(`${opts.input}: ${problems} lines refused in all`);
  const { sites, vehicles, dropped } = pool.finish();
  const report = fleetReport({
    vehicles,
    sites,
    settings,
    defaults,
    ...(register ? { register } : {}),
    ...(opts.evModel === undefined ? {} : { evModel: opts.evModel }),
    ...(temperatures ? { temperatures } : {}),
    tripsDropped: dropped,
  });
  for (const w of report.warnings) console.error(`warning: ${w}`);
  return {
    input: opts.input,
    linesRefused: problems,
    vehiclesFile: opts.vehicles ?? null,
    registerLinesRefused: registerProblems,
    ...report,
  };
}
