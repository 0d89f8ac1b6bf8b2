import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { GreenopsError, type FleetRecord } from '../../core/index.js';
import { FleetSimulator, outdoorTemperature, Random } from '../../edge/index.js';
import { dayCount, type FleetReport } from '../../models/index.js';
import { fleetFileReport, type FleetReportFlags } from './fleet-file.js';

const FLEET_CSV_HEADER =
  'timestamp,vehicle_id,powertrain,vehicle_class,lat,lon,speed_kmh,heading_deg,ignition,odometer_km,fuel_level_pct,fuel_used_l,soc_pct,energy_used_kwh,driver_id';

/**
 * A fleet replay CSV from the fleet simulator (two depots; regular, long-distance and spare vehicles; cars and vans,
 * each sending its `vehicle_class`), the simulated days' minimum outdoor temperatures (`date,temp_c`) for the EV
 * test, and the pool's vehicle register (`vehicle_id,class,fuel`).
 */
export function sampleFleetCsv(options: { vehicles: number; days: number; seed: number; startMs: number }): {
  csv: string;
  temperatures: string;
  register: string;
} {
  const sim = new FleetSimulator({ devices: options.vehicles, seed: options.seed, startMs: options.startMs });
  const endMs = options.startMs + options.days * 86_400_000;
  const rows = [FLEET_CSV_HEADER];
  sim.deviceIds.forEach((id, i) => {
    while (sim.nextTime(i) < endMs)
      for (const r of sim.emit(i) as FleetRecord[])
        rows.push(
          [
            r.ts,
            id,
            r.powertrain ?? '',
            r.vehicleClass ?? '',
            r.lat,
            r.lon,
            r.speedKmh,
            r.headingDeg ?? '',
            r.ignition,
            r.odometerKm ?? '',
            r.fuelLevelPct ?? '',
            r.fuelUsedL ?? '',
            r.socPct ?? '',
            r.energyUsedKwh ?? '',
            r.driverId ?? '',
          ].join(','),
        );
  });
  const weather = new Random(options.seed);
  const temps = ['date,temp_c'];
  let front = 0;
  for (let d = 0; d < options.days; d++) {
    front = 0.8 * front + weather.normal(0, 2.5); // weather fronts last days
    const day = options.startMs + d * 86_400_000;
    let min = Infinity;
    for (let h = 0; h < 24; h++) min = Math.min(min, outdoorTemperature(day + h * 3_600_000, front));
    temps.push(`${new Date(day + 12 * 3_600_000).toISOString().slice(0, 10)},${min.toFixed(1)}`);
  }
  const register = [
    'vehicle_id,class,fuel',
    ...sim.truthVehicles.map((v) => `${v.vehicleId},${v.vehicleClass},${v.fuel}`),
  ];
  return {
    csv: rows.join('\n') + '\n',
    temperatures: temps.join('\n') + '\n',
    register: register.join('\n') + '\n',
  };
}

const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
const n0 = (v: number) => Math.round(v).toLocaleString('en-GB');

/** The share of days the recommended pool served in full (`serviceByPoolSize` starts at the recommended size). */
function achieved(s: FleetReport['rightSizing'][number]): number {
  return s.serviceByPoolSize.find((x) => x.vehicles === s.recommended)?.daysServedShare ?? 1;
}

/** `car → car-58; van → small-van-45, mid-van-75`: each class once, with the models its vehicles were compared with. */
function classModels(r: FleetReport): string {
  const byClass = new Map<string, string[]>();
  for (const e of r.evSuitability) {
    const models = byClass.get(e.class) ?? [];
    if (!models.includes(e.evModel)) models.push(e.evModel);
    byClass.set(e.class, models);
  }
  return [...byClass].map(([c, models]) => `${c} → ${models.join(', ')}`).join('; ') || 'none';
}

function printReport(r: FleetReport & { linesRefused: number; registerLinesRefused: number }): void {
  const t = r.totals;
  console.log(
    `${r.period.from} – ${r.period.to} (${r.period.days} days): ${t.vehicles} vehicles, ${t.trips} trips, ${n0(t.km)} km, ${n0(t.fuelL)} L, ${n0(t.kwh)} kWh, ${n0(t.kgCo2e)} kg CO₂e`,
  );
  console.log('\nVehicles');
  for (const v of r.vehicles)
    console.log(
      `  ${v.vehicle} ${v.class}${v.classAssumed ? ' (class assumed)' : ''} ${v.powertrain} ${v.site ?? '–'}: ${v.trips} trips, ${n0(v.km)} km, used ${v.daysUsed}/${v.workingDays} working days (${pct(v.dayShare)}), ${pct(v.hourShare)} of working hours, km/day p50 ${v.kmPerDay.p50} p95 ${v.kmPerDay.p95} max ${v.kmPerDay.max}, idle ${pct(v.idleShare)}, ${n0(v.kgCo2e)} kg CO₂e (${v.co2Method})`,
    );
  console.log('\nSites (vehicles away per working-day hour, p95)');
  for (const s of r.sites)
    console.log(
      `  ${s.site}: ${s.vehicles} vehicles; 07–16h ${s.availability
        .slice(7, 16)
        .map((h) => h.p95)
        .join(' ')}`,
    );
  console.log(
    r.evModel
      ? `\nEV suitability (every vehicle against ${r.evModel.id}: ${r.evModel.name})`
      : `\nEV suitability (each class against its EV model: ${classModels(r)})`,
  );
  for (const e of r.evSuitability)
    console.log(
      `  ${e.vehicle} (${e.class}${e.classAssumed ? ', assumed' : ''}) vs ${e.evModel}: ${e.verdict} — ${e.reasons.join('; ')}`,
    );
  console.log('\nRight-sizing');
  for (const s of r.rightSizing)
    console.log(
      `  ${s.site}: ${s.vehicles} → ${s.recommended} vehicles (peak ${s.peakNeed}; ${pct(achieved(s))} of days served, target ${pct(s.serviceLevel)}; ${s.roundTripsUnserved} round trips on ${dayCount(s.daysShort)} unserved); remove ${s.remove.join(', ') || 'none'}; EV ${s.replaceWithEv.join(', ') || 'none'}; saves ${n0(s.savingsDkkPerYear.total)} DKK and ${n0(s.co2SavingKgPerYear)} kg CO₂e a year`,
    );
  if (r.rightSizing.length === 0) console.log('  no site with vehicles of enough history to size');
  for (const x of r.rightSizingExcluded)
    console.log(`  left out: ${x.vehicle} (${x.site ?? 'no home site'}): ${x.detail}`);
  if (r.linesRefused > 0) console.log(`\n${r.linesRefused} lines refused (see above)`);
  if (r.registerLinesRefused > 0)
    console.log(`\n${r.registerLinesRefused} vehicle register lines refused (see above)`);
}

function wholeNumber(text: string, name: string, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new GreenopsError('BAD_REQUEST', `--${name}: must be a whole number from 1 to ${max}`, {
      field: name,
    });
  return n;
}

export function registerFleetCommands(program: Command): void {
  const fleet = program
    .command('fleet')
    .description('fleet planning: trips, utilisation, CO₂e, EV suitability and pool right-sizing');

  fleet
    .command('report')
    .description('the whole fleet report of a fleet replay CSV (see README, "Fleet")')
    .requiredOption(
      '--input <file>',
      'fleet replay CSV (the columns of `greenops edge replay --stream fleet`)',
    )
    .option('--json', 'print one JSON document (fields in README, "Fleet")')
    .option(
      '--vehicles <file>',
      'vehicle register CSV: vehicle_id,class[,fuel,purchase_dkk,lease_dkk_per_year,ev_model,ev_lease_dkk_per_year] (a vehicle not in it: the class of its vehicle_class column, else the default class)',
    )
    .option(
      '--ev-model <name>',
      'one EV model to test every combustion vehicle against (default: its register line’s, else its class’s)',
    )
    .option(
      '--defaults <file>',
      'fleet defaults (prices, EV models, derating, TCO) instead of the shipped ones',
    )
    .option(
      '--temperatures <file>',
      'CSV of date,temp_c: daily minimum outdoor temperature (else monthly normals)',
    )
    .option(
      '--site <id=lat,lon[,radius]...>',
      'a depot (repeatable); without: learned from overnight parking',
    )
    .option('--min-trip-minutes <n>', 'shorter trips are dropped', '1')
    .option('--min-trip-km <n>', 'shorter trips are dropped', '0.2')
    .option('--min-parking-minutes <n>', 'ignition off at least this long ends a trip', '5')
    .option('--gap-minutes <n>', 'no sample for longer is treated as a stop', '15')
    .option('--grid-metres <n>', 'trip ends away from a site are rounded to this grid', '100')
    .action((opts: FleetReportFlags) => {
      const report = fleetFileReport(opts);
      if (opts.json) console.log(JSON.stringify(report, null, 2));
      else printReport(report);
      // Refused lines: the report covers the others, and a script sees that some were left out.
      if (report.linesRefused > 0 || report.registerLinesRefused > 0) process.exitCode = 1;
    });

  fleet
    .command('sample')
    .description(
      'a fleet replay CSV from the fleet simulator, its days’ minimum temperatures (--temperatures-out) and its vehicle register (--vehicles-out)',
    )
    .option(
      '--vehicles <n>',
      'vehicles (every fifth long-distance, every fifth spare; cars and vans; two depots)',
      '10',
    )
    .option('--days <n>', 'days', '60')
    .option('--start <date>', 'first day (Danish local midnight)', '2026-01-05')
    .option('--seed <n>', 'random seed', '1')
    .option('--out <file>', 'output file (default: standard output)')
    .option('--temperatures-out <file>', 'write date,temp_c of the simulated days here')
    .option(
      '--vehicles-out <file>',
      'write the vehicle register (vehicle_id,class,fuel) of the simulated pool here',
    )
    .action(
      (opts: {
        vehicles: string;
        days: string;
        start: string;
        seed: string;
        out?: string;
        temperaturesOut?: string;
        vehiclesOut?: string;
      }) => {
        if (!/^\d{4}-\d{2}-\d{2}$/.test(opts.start) || Number.isNaN(Date.parse(opts.start)))
          throw new GreenopsError('BAD_REQUEST', '--start: must be a date YYYY-MM-DD', { field: 'start' });
        const { csv, temperatures, register } = sampleFleetCsv({
          vehicles: wholeNumber(opts.vehicles, 'vehicles', 1000),
          days: wholeNumber(opts.days, 'days', 3660),
          seed: wholeNumber(opts.seed, 'seed', 2 ** 31),
          startMs: Date.parse(`${opts.start}T00:00:00Z`) - 3_600_000,
        });
        if (opts.out) writeFileSync(opts.out, csv);
        else process.stdout.write(csv);
        if (opts.temperaturesOut) writeFileSync(opts.temperaturesOut, temperatures);
        if (opts.vehiclesOut) writeFileSync(opts.vehiclesOut, register);
      },
    );
}
