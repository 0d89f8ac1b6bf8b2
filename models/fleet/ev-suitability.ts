import { DEFAULT_FACTOR_TABLE, type FactorTable } from '../co2/factor-table.js';
import { driveCo2 } from './fleet-co2.js';
import { rangeShareAt, type FleetDefaults } from './fleet-defaults.js';
import { dayCount, localDate } from './local-clock.js';
import { tco, type Tco } from './tco.js';
import type { VehicleDay, VehicleTimeline } from './vehicle-days.js';
import type { EvModelSource, VehicleCosting } from './vehicle-classes.js';

/** Why an EV would not have done a day. */
export type DayFailure = 'range' | 'charging-time';

export interface FailedDay {
  date: string;
  km: number;
  temperatureC: number;
  /** Range left at that temperature after the arrival reserve. */
  rangeKm: number;
  reason: DayFailure;
}

/**
 * `suitable`: covers at least `suitableShare` of the days and costs no more over the TCO horizon; `suitable-costlier`:
 * covers them but costs more; `suitable-with-exceptions`: covers at least `withExceptionsShare` (the other days need
 * a pool vehicle); `not-suitable`; `insufficient-data`: under `minDays` of history.
 */
export type EvVerdict =
  'suitable' | 'suitable-costlier' | 'suitable-with-exceptions' | 'not-suitable' | 'insufficient-data';

export interface EvSuitability {
  vehicle: string;
  site: string | null;
  /** The vehicle's class (see `classAssumed`), whose current vehicle and EV model are compared. */
  class: string;
  classAssumed: boolean;
  /** The EV model compared (id), and why this one: `forced` (--ev-model), `register`, `class`. */
  evModel: string;
  evModelSource: EvModelSource;
  verdict: EvVerdict;
  /** Plain-language evidence behind the verdict. */
  reasons: string[];
  daysObserved: number;
  drivingDays: number;
  daysCovered: number;
  /** Of the days with driving, the share the EV would have done (on its overnight charge, or with a depot top-up). */
  shareCovered: number;
  /** Days done only thanks to a top-up at the depot charger between round trips. */
  daysNeedingTopUp: number;
  failedDays: FailedDay[];
  coldestDay: { date: string; temperatureC: number; rangeKm: number } | null;
  kmPerYear: number;
  /** The current vehicle's fuel (its class's, or the register's) and TCO as a like-for-like replacement. */
  current: { fuel: 'diesel' | 'petrol'; tco: Tco; kgCo2ePerYear: number };
  /**
   * `kwhPerKm`: grid-side kWh per km over the observed days, each derated for its temperature; `kwhPerYear`: the
   * year's grid-side kWh at `kmPerYear`, each month derated for its normal temperature (what the TCO and CO₂e use).
   */
  ev: { tco: Tco; kgCo2ePerYear: number; kwhPerKm: number; kwhPerYear: number };
  /** Current − EV: positive when the EV is cheaper / cleaner. */
  tcoSavingDkk: number;
  tcoSavingPerYearDkk: number;
  co2SavingKgPerYear: number;
}

/** The day's minimum outdoor temperature: the series' value, or the month's normal plus the cold-day offset. */
export function dayTemperature(
  day: number,
  series: ReadonlyMap<string, number>,
  defaults: FleetDefaults,
): number {
  const date = localDate(day);
  const known = series.get(date);
  if (known !== undefined) return known;
  const month = Number(date.slice(5, 7)) - 1;
  return (defaults.monthlyTemperatureC.values[month] as number) + defaults.monthlyTemperatureC.coldDayOffsetC;
}

/**
 * Could this combustion vehicle be the EV model? The EVSA tests, day by day over its history: each day's kilometres
 * against the model's WLTP range derated for the day's minimum temperature (heating on) less the arrival reserve;
 * a day over it passes if the shortfall can be charged at the depot charger during the day's dwell there between
 * round trips; and the overnight dwell before the next day's first trip must recharge what the day used. Then the
 * Danish TCO of the EV against a like-for-like combustion replacement, each at the kilometres driven here.
 */
export function evSuitability(
  timeline: VehicleTimeline,
  costing: VehicleCosting,
  defaults: FleetDefaults,
  temperatures: ReadonlyMap<string, number>,
  table: FactorTable = DEFAULT_FACTOR_TABLE,
): EvSuitability {
  const { vehicle, days } = timeline;
  const model = costing.evModel;
  const { charging, suitability, prices } = defaults;
  const chargerKw = Math.min(charging.depotChargerKw, model.maxAcKw);
  const failedDays: FailedDay[] = [];
  let covered = 0;
  let topUps = 0;
  let evKwhGrid = 0;
  let coldest: EvSuitability['coldestDay'] = null;
  days.forEach((d: VehicleDay, i) => {
    const temperatureC = dayTemperature(d.day, temperatures, defaults);
    const share = rangeShareAt(defaults, temperatureC);
    const kwhPerKm = model.usableKwh / (model.wltpKm * share);
    const rangeKm = model.wltpKm * share * (1 - charging.reserveShare);
    evKwhGrid += (d.km * kwhPerKm) / charging.efficiency;
    const date = localDate(d.day);
    if (!coldest || temperatureC < coldest.temperatureC)
      coldest = { date, temperatureC: round1(temperatureC), rangeKm: round1(rangeKm) };
    const next = days[i + 1];
    const overnightH = next ? (next.firstStartMs - d.lastEndMs) / 3_600_000 : Infinity;
    const dayKwhGrid = (d.km * kwhPerKm) / charging.efficiency;
    let reason: DayFailure | undefined;
    if (d.km > rangeKm) {
      const shortfallGrid = ((d.km - rangeKm) * kwhPerKm) / charging.efficiency;
      if (d.depotDwellHours * chargerKw >= shortfallGrid) topUps++;
      else reason = 'range';
    }
    if (!reason && overnightH * chargerKw < Math.min(dayKwhGrid, model.usableKwh / charging.efficiency))
      reason = 'charging-time';
    if (reason)
      failedDays.push({
        date,
        km: round1(d.km),
        temperatureC: round1(temperatureC),
        rangeKm: round1(rangeKm),
        reason,
      });
    else covered++;
  });
  const daysObserved = timeline.lastDay - timeline.firstDay + 1;
  const km = days.reduce((s, d) => s + d.km, 0);
  const kmPerYear = (km / daysObserved) * 365;
  const perYear = daysObserved > 0 ? 365 / daysObserved : 0;

  const fuelL = vehicle.trips.reduce((s, t) => s + t.fuelL, 0);
  // The trips' fuel as counted; NaN (no counter) → the class's consumption.
  const current = driveCo2(vehicle.powertrain, km, fuelL, Number.NaN, defaults, table, costing);
  const ice = costing.ice;
  const fuelPrice = ice.fuel === 'diesel' ? prices.dieselDkkPerL : prices.petrolDkkPerL;
  const currentKg = current.kgCo2e * perYear;
  const currentTco = tco(defaults, ice.purchaseDkk, ice.residualShare, {
    energyDkk: current.fuelL * perYear * fuelPrice,
    maintenanceDkk: kmPerYear * ice.maintenanceDkkPerKm,
    taxDkk: ice.annualTaxDkk,
    insuranceDkk: ice.annualInsuranceDkk,
    co2Dkk: (currentKg / 1000) * prices.co2DkkPerTonne,
    leaseDkk: ice.leaseDkkPerYear,
  });
  // The year's energy at this vehicle's kilometres, each month derated for its normal (cold-day) temperature: a
  // winter sample extrapolated as it is would charge the whole year at winter consumption.
  const evKwhPerYear = MONTH_DAYS.reduce((sum, days, m) => {
    const t =
      (defaults.monthlyTemperatureC.values[m] as number) + defaults.monthlyTemperatureC.coldDayOffsetC;
    const kwhPerKm = model.usableKwh / (model.wltpKm * rangeShareAt(defaults, t));
    return sum + (kmPerYear * days * kwhPerKm) / (365 * charging.efficiency);
  }, 0);
  const evKg = evKwhPerYear * (table.activity.electricity?.perKwh ?? 0);
  // A leased EV (the register's ev_lease_dkk_per_year): no purchase and no residual value, the lease every year.
  const evLease = costing.evLeaseDkkPerYear;
  const evTco = tco(
    defaults,
    evLease === undefined ? model.purchaseDkk : 0,
    evLease === undefined ? model.residualShare : 0,
    {
      energyDkk: evKwhPerYear * prices.electricityDkkPerKwh,
      maintenanceDkk: kmPerYear * model.maintenanceDkkPerKm,
      taxDkk: model.annualTaxDkk,
      insuranceDkk: model.annualInsuranceDkk,
      co2Dkk: (evKg / 1000) * prices.co2DkkPerTonne,
      leaseDkk: evLease ?? 0,
    },
  );

  const drivingDays = days.length;
  const shareCovered = drivingDays === 0 ? 1 : covered / drivingDays;
  const saving = currentTco.npvDkk - evTco.npvDkk;
  const reasons: string[] = [];
  let verdict: EvVerdict;
  if (daysObserved < suitability.minDays) {
    verdict = 'insufficient-data';
    reasons.push(`${dayCount(daysObserved)} of data; at least ${suitability.minDays} are needed`);
  } else if (shareCovered >= suitability.suitableShare) verdict = 'suitable';
  else if (shareCovered >= suitability.withExceptionsShare) verdict = 'suitable-with-exceptions';
  else verdict = 'not-suitable';
  reasons.push(
    drivingDays === 0
      ? 'no day with driving'
      : `covers ${covered} of ${dayCount(drivingDays)} with driving (${(shareCovered * 100).toFixed(1)} %)`,
  );
  const byRange = failedDays.filter((f) => f.reason === 'range').length;
  const byCharging = failedDays.length - byRange;
  if (byRange > 0) reasons.push(`${dayCount(byRange)} beyond the cold-weather range`);
  if (byCharging > 0) reasons.push(`${dayCount(byCharging)} without enough time at the charger overnight`);
  if (topUps > 0)
    reasons.push(
      `${dayCount(topUps)} ${topUps === 1 ? 'needs' : 'need'} a top-up at the depot between round trips`,
    );
  const replacement = `a ${ice.fuel} ${costing.class} replacement${costing.classAssumed ? ' (class assumed)' : ''}`;
  reasons.push(
    saving >= 0
      ? `TCO of ${model.id} over ${defaults.tco.years} years ${dkk(saving)} DKK lower than ${replacement}`
      : `TCO of ${model.id} over ${defaults.tco.years} years ${dkk(-saving)} DKK higher than ${replacement}`,
  );
  if (verdict === 'suitable' && saving < 0) verdict = 'suitable-costlier';
  return {
    vehicle: vehicle.vehicleId,
    site: vehicle.home,
    class: costing.class,
    classAssumed: costing.classAssumed,
    evModel: model.id,
    evModelSource: costing.evModelSource,
    verdict,
    reasons,
    daysObserved,
    drivingDays,
    daysCovered: covered,
    shareCovered,
    daysNeedingTopUp: topUps,
    failedDays,
    coldestDay: coldest,
    kmPerYear,
    current: { fuel: ice.fuel, tco: currentTco, kgCo2ePerYear: currentKg },
    ev: {
      tco: evTco,
      kgCo2ePerYear: evKg,
      kwhPerKm: km > 0 ? evKwhGrid / km : model.usableKwh / model.wltpKm,
      kwhPerYear: evKwhPerYear,
    },
    tcoSavingDkk: saving,
    tcoSavingPerYearDkk: currentTco.perYearDkk - evTco.perYearDkk,
    co2SavingKgPerYear: currentKg - evKg,
  };
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Whole kroner with thousands separators, as the report's other amounts (`101,259`). */
function dkk(v: number): string {
  return Math.round(v).toLocaleString('en-GB');
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}
