import type { FleetDefaults } from './fleet-defaults.js';
import type { EvSuitability } from './ev-suitability.js';
import { DanishClock } from './local-clock.js';
import { ownershipPerYear } from './tco.js';
import type { VehicleUtilisation } from './utilisation.js';
import type { VehicleTimeline } from './vehicle-days.js';
import { resolveVehicleClass, type VehicleCosting } from './vehicle-classes.js';

const MIN_MS = 60_000;

export interface RightSizing {
  site: string;
  vehicles: number;
  daysObserved: number;
  /** The most vehicles away at once on any day (round trips plus turnaround). */
  peakNeed: number;
  serviceLevel: number;
  /** Smallest pool with no round trip unserved on at least `serviceLevel` of the days. */
  recommended: number;
  /** Days on which the recommended pool would have left round trips unserved, and how many. */
  daysShort: number;
  roundTripsUnserved: number;
  /** Per pool size from the recommended up to today's: the share of days fully served. */
  serviceByPoolSize: { vehicles: number; daysServedShare: number }[];
  /** The least used vehicles, as many as the pool is too large. */
  remove: string[];
  /** Kept combustion vehicles an EV could replace (verdict suitable, or suitable with exceptions, and not costlier). */
  replaceWithEv: string[];
  /** Each removal: the vehicle's class and what having it cost a year (its class's, or the register's, price). */
  removals: { vehicle: string; class: string; ownershipDkkPerYear: number }[];
  /** Each EV replacement: the vehicle's class, the EV model of its comparison and the savings a year. */
  evReplacements: {
    vehicle: string;
    class: string;
    evModel: string;
    tcoSavingDkkPerYear: number;
    co2SavingKgPerYear: number;
  }[];
  savingsDkkPerYear: { removal: number; evReplacement: number; total: number };
  /** Removal moves kilometres to other vehicles, so only EV replacements save CO₂e in use. */
  co2SavingKgPerYear: number;
}

interface Interval {
  start: number;
  end: number;
}

/** Greedy assignment (earliest start first, to any free vehicle): round trips left over with `n` vehicles. */
function unserved(intervals: readonly Interval[], n: number): number {
  const free: number[] = new Array<number>(n).fill(-Infinity);
  let left = 0;
  for (const iv of intervals) {
    let best = -1;
    for (let i = 0; i < n; i++)
      if ((free[i] as number) <= iv.start && (best < 0 || (free[i] as number) > (free[best] as number)))
        best = i;
    if (best < 0) left++;
    else free[best] = iv.end;
  }
  return left;
}

function peak(intervals: readonly Interval[]): number {
  const events: [number, number][] = [];
  for (const iv of intervals) events.push([iv.start, 1], [iv.end, -1]);
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, delta] of events) max = Math.max(max, (now += delta));
  return max;
}

/**
 * The smallest pool per site that serves its round trips: each round trip holds a vehicle from departure to return
 * plus a turnaround (longer after an EV's round trip, for a top-up); per local day the vehicles needed are the most
 * round trips overlapping at once, which a pool of that size can always serve (interval partitioning). The
 * recommendation is the smallest size with no round trip unserved on `serviceLevel` of the observed days; the
 * vehicles removed are the least used, and EV replacements come from the suitability verdicts. Savings are each
 * vehicle's own: a removal saves its class's (or its register line's) ownership, a replacement the TCO difference
 * against the EV model of its class. Vehicles of a site are taken to be interchangeable (classes are not pooled apart).
 */
export function rightSizing(
  site: string,
  timelines: readonly VehicleTimeline[],
  utilisation: ReadonlyMap<string, VehicleUtilisation>,
  suitability: ReadonlyMap<string, EvSuitability>,
  defaults: FleetDefaults,
  clock = new DanishClock(),
  costings: ReadonlyMap<string, VehicleCosting> = new Map(),
): RightSizing {
  const rs = defaults.rightSizing;
  const byDay = new Map<number, Interval[]>();
  for (const t of timelines) {
    const turnaround = (t.vehicle.powertrain === 'bev' ? rs.evTurnaroundMin : rs.turnaroundMin) * MIN_MS;
    for (const rt of t.roundTrips) {
      const day = clock.dayOf(rt.startMs);
      const list = byDay.get(day) ?? [];
      list.push({ start: rt.startMs, end: rt.endMs + turnaround });
      byDay.set(day, list);
    }
  }
  const first = Math.min(...timelines.map((t) => t.firstDay));
  const last = Math.max(...timelines.map((t) => t.lastDay));
  const daysObserved = Math.max(1, last - first + 1);
  const needs = [...byDay.values()].map((ivs) => peak(ivs.sort((a, b) => a.start - b.start)));
  const peakNeed = needs.length ? Math.max(...needs) : 0;
  const vehicles = timelines.length;
  const servedShare = (n: number) => 1 - needs.filter((k) => k > n).length / daysObserved;
  let recommended = 0;
  while (recommended < peakNeed && servedShare(recommended) < rs.serviceLevel) recommended++;
  recommended = Math.min(Math.max(recommended, peakNeed > 0 ? 1 : 0), vehicles);
  let daysShort = 0;
  let roundTripsUnserved = 0;
  for (const ivs of byDay.values()) {
    const left = unserved(ivs, recommended);
    if (left > 0) [daysShort, roundTripsUnserved] = [daysShort + 1, roundTripsUnserved + left];
  }
  const ranked = [...timelines].sort((a, b) => {
    const ua = utilisation.get(a.vehicle.vehicleId);
    const ub = utilisation.get(b.vehicle.vehicleId);
    return (ua?.daysUsed ?? 0) - (ub?.daysUsed ?? 0) || (ua?.hoursInUse ?? 0) - (ub?.hoursInUse ?? 0);
  });
  const remove = ranked.slice(0, vehicles - recommended).map((t) => t.vehicle.vehicleId);
  const removed = new Set(remove);
  const replaceWithEv = timelines
    .map((t) => suitability.get(t.vehicle.vehicleId))
    .filter((s): s is EvSuitability => s !== undefined && !removed.has(s.vehicle))
    .filter(
      (s) => (s.verdict === 'suitable' || s.verdict === 'suitable-with-exceptions') && s.tcoSavingDkk >= 0,
    )
    .map((s) => s.vehicle);
  const removals = remove.map((id) => {
    const t = timelines.find((x) => x.vehicle.vehicleId === id);
    const c = costings.get(id) ?? resolveVehicleClass(defaults, id);
    const o = t?.vehicle.powertrain === 'bev' ? c.bev : c.ice;
    return { vehicle: id, class: c.class, ownershipDkkPerYear: ownershipPerYear(defaults, o) };
  });
  const removal = removals.reduce((sum, r) => sum + r.ownershipDkkPerYear, 0);
  const evReplacements = replaceWithEv.map((id) => {
    const s = suitability.get(id) as EvSuitability;
    return {
      vehicle: id,
      class: s.class,
      evModel: s.evModel,
      tcoSavingDkkPerYear: s.tcoSavingPerYearDkk,
      co2SavingKgPerYear: s.co2SavingKgPerYear,
    };
  });
  const evReplacement = evReplacements.reduce((sum, r) => sum + r.tcoSavingDkkPerYear, 0);
  return {
    site,
    vehicles,
    daysObserved,
    peakNeed,
    serviceLevel: rs.serviceLevel,
    recommended,
    daysShort,
    roundTripsUnserved,
    serviceByPoolSize: Array.from({ length: Math.max(0, vehicles - recommended + 1) }, (_, i) => ({
      vehicles: recommended + i,
      daysServedShare: servedShare(recommended + i),
    })),
    remove,
    replaceWithEv,
    removals,
    evReplacements,
    savingsDkkPerYear: { removal, evReplacement, total: removal + evReplacement },
    co2SavingKgPerYear: evReplacements.reduce((s, r) => s + r.co2SavingKgPerYear, 0),
  };
}
