import { isDanishSummerTime } from '../../core/index.js';
import { hourOfWeek, HOUR_MS, type HourlySeries } from './hourly-series.js';
import { solveSymmetric } from './least-squares.js';
import { levelShifts, meanOf, type LevelShift } from './level-shift.js';

/**
 * The linear reference: one ridge regression per forecast hour (h = 0 … horizon − 1 from 00:00 UTC), fitted in
 * closed form on a trailing window with recent days weighted more. Its inputs, for the hour forecast:
 * - the day type (weekday, the holiday calendar's holidays as Sundays: see hourOfWeek) and whether summer time
 *   applies (which local hour the UTC hour is);
 * - outdoor temperature with heating and cooling change points (hinges), hourly and as the day's mean;
 * - lags known at the forecast origin: the same hour on the last day seen, the same hour last week, the last
 *   hour seen, yesterday's mean and the last week's mean, the same hour on the last days of the same kind
 *   (working day or not), and how unusual yesterday (against the same day a week before) and the last hour
 *   (against the same hour a day before) were.
 * Load inputs and the target are divided by the meter's recent level (the last week's mean load), so a
 * building that changes use is followed as soon as its level moves, not when the fit catches up. The fit is
 * robust (Huber weights from the previous fit's misses), so one-off spikes do not bend the shape.
 */
export interface LinearOptions {
  horizon: number;
  /** Days of history fitted (trailing window). */
  windowDays: number;
  /** Half-life (days) of the weights on training days: recent behaviour counts more. */
  halfLifeDays: number;
  /** Ridge penalty per unit of total weight. */
  ridge: number;
  /** Huber weights on training hours by how far the previous fit missed them (see LinearFitter). */
  robust: boolean;
}

export const DEFAULT_LINEAR_OPTIONS: LinearOptions = {
  horizon: 24,
  windowDays: 365,
  // Loads are divided by the recent level, so what the weights keep is the shape: 120 days keep a season of it
  // (on the real dev set: 9.8 % median at 60 days, 9.5 % at 120, 9.6 % at 240).
  halfLifeDays: 120,
  ridge: 1e-3,
  robust: true,
};

/** Heating (below) and cooling (above) change points, °C. */
const HEATING_KNOTS_C = [5, 10, 15] as const;
const COOLING_KNOTS_C = [18, 22] as const;
const DAY_TYPES = 7;

export interface LinearModel {
  kind: 'linear';
  options: LinearOptions;
  /** Coefficients per forecast hour. */
  coefficients: number[][];
  /** Relative residual quantiles (10 %, 90 %) per forecast hour, from the last weeks of the fit. */
  residualQuantiles: [number, number][];
  /** Number of fitted parameters (for ASHRAE G14's n − p). */
  parameters: number;
  /** Fixed load scale (kWh, before any level shift) of the temperature terms in kWh: the level when the fit started. */
  scale: number;
}

const TEMPERATURE_TERMS = 2 * (1 + HEATING_KNOTS_C.length + COOLING_KNOTS_C.length);
const FEATURES = DAY_TYPES + 1 + 2 * TEMPERATURE_TERMS + 11;

/** What the origin knows, shared by every hour forecast from it. */
interface OriginContext {
  level: number;
  yesterday: number;
  lastHour: number;
  dayTemperature: number;
  /** Level shifts known at the origin, and the product of their ratios (the current regime's factor). */
  shifts: LevelShift[];
  regime: number;
  /** Mean load of each of the last WEEKS_OF_PROFILE weeks before the origin (rebased), newest first. */
  weekMeans: number[];
  /**
   * How unusual the last day and the last hour were: yesterday against the same day a week before (ratio − 1),
   * and the last hour against the same hour a day before (in level units); 0 when unknown.
   */
  dayAnomaly: number;
  hourAnomaly: number;
}

const WEEKS_OF_PROFILE = 4;
/**
 * Huber's constant (in robust standard deviations of a forecast hour's residuals): a training hour missed by more
 * weighs in proportion less, so one-off spikes of an event-driven meter do not bend the fitted shape.
 */
const HUBER_K = 1.345;
const isWorkingDay = (timeMs: number) => hourOfWeek(timeMs) < 5 * 24;
/** Days back searched for the last days of the same kind (working or not) as the day forecast. */
const SIMILAR_DAYS_SEARCHED = 21;

/** The load at hour i as the origin sees it: from before a known level shift, brought to the current level. */
function loadAt(s: HourlySeries, c: Pick<OriginContext, 'shifts' | 'regime'>, i: number): number {
  const v = s.kwh[i] as number;
  if (v === undefined) return Number.NaN;
  if (c.shifts.length === 0) return v;
  let factor = 1;
  for (const shift of c.shifts) if (shift.at <= i) factor *= shift.ratio;
  return (v * c.regime) / factor;
}

function originContext(s: HourlySeries, origin: number, horizon: number): OriginContext | undefined {
  const known = levelShifts(s).filter((x) => x.knownFrom <= origin);
  const shift = { shifts: known, regime: known.reduce((f, x) => f * x.ratio, 1) };
  let sum = 0;
  let n = 0;
  for (let i = Math.max(0, origin - 168); i < origin; i++) {
    const v = loadAt(s, shift, i);
    if (!Number.isNaN(v)) {
      sum += v;
      n += 1;
    }
  }
  const level = n >= 24 ? sum / n : Number.NaN;
  if (!(level > 0)) return undefined;
  const weekMeans = [level];
  for (let k = 2; k <= WEEKS_OF_PROFILE; k++) {
    let wSum = 0;
    let wN = 0;
    for (let j = Math.max(0, origin - 168 * k); j < origin - 168 * (k - 1); j++) {
      const v = loadAt(s, shift, j);
      if (!Number.isNaN(v)) {
        wSum += v;
        wN += 1;
      }
    }
    weekMeans.push(wN >= 24 ? wSum / wN : Number.NaN);
  }
  const yesterday = meanOf(s, origin - 24, origin, level);
  const lastHourValue = s.kwh[origin - 1] as number;
  let tSum = 0;
  let tN = 0;
  for (let h = 0; h < Math.min(24, horizon); h++) {
    const t = s.temperatureC[origin + h] as number;
    if (t !== undefined && !Number.isNaN(t)) {
      tSum += t;
      tN += 1;
    }
  }
  let wbSum = 0;
  let wbN = 0;
  for (let j = origin - 192; j < origin - 168; j++) {
    const v = j >= 0 ? loadAt(s, shift, j) : Number.NaN;
    if (!Number.isNaN(v)) {
      wbSum += v;
      wbN += 1;
    }
  }
  const weekBefore = wbN > 0 ? wbSum / wbN : Number.NaN;
  const dayBefore = origin >= 25 ? loadAt(s, shift, origin - 25) : Number.NaN;
  const lastHour = (Number.isNaN(lastHourValue) ? yesterday : lastHourValue) / level;
  return {
    level,
    yesterday: yesterday / level,
    lastHour,
    dayTemperature: tN > 0 ? tSum / tN : Number.NaN,
    ...shift,
    weekMeans,
    dayAnomaly: weekBefore > 0 ? yesterday / weekBefore - 1 : 0,
    hourAnomaly: Number.isNaN(dayBefore) ? 0 : lastHour - dayBefore / level,
  };
}

function temperatureTerms(t: number, out: number[]): void {
  out.push(t / 10);
  for (const k of HEATING_KNOTS_C) out.push(Math.max(0, k - t) / 10);
  for (const k of COOLING_KNOTS_C) out.push(Math.max(0, t - k) / 10);
}

/** Mean of the known loads at i − step·k for k = first … first + count − 1. */
function lagMean(
  s: HourlySeries,
  c: OriginContext,
  i: number,
  step: number,
  first: number,
  count: number,
  fallback: number,
): number {
  let sum = 0;
  let n = 0;
  for (let k = first; k < first + count; k++) {
    const v = loadAt(s, c, i - step * k);
    if (!Number.isNaN(v)) {
      sum += v;
      n += 1;
    }
  }
  return n > 0 ? sum / n : fallback;
}

/**
 * This hour of the week over the last four weeks, each relative to its own week's mean load: the weekly shape,
 * with each week's level taken out, so a building that changed use weeks ago is not forecast at its old level.
 */
function weeklyProfile(s: HourlySeries, c: OriginContext, i: number): number {
  let sum = 0;
  let n = 0;
  for (let k = 1; k <= WEEKS_OF_PROFILE; k++) {
    const v = loadAt(s, c, i - 168 * k);
    const week = c.weekMeans[k - 1] as number;
    if (!Number.isNaN(v) && week > 0) {
      sum += v / week;
      n += 1;
    }
  }
  return n > 0 ? sum / n : 1;
}

/** The inputs for hour origin + h, or undefined when the temperature is unknown. */
function featuresAt(
  s: HourlySeries,
  origin: number,
  h: number,
  c: OriginContext,
  scale: number,
): number[] | undefined {
  const i = origin + h;
  const t = s.temperatureC[i] as number;
  if (t === undefined || Number.isNaN(t) || Number.isNaN(c.dayTemperature)) return undefined;
  const timeMs = s.start + i * HOUR_MS;
  const x: number[] = new Array<number>(DAY_TYPES).fill(0);
  x[Math.floor(hourOfWeek(timeMs) / 24)] = 1;
  x.push(isDanishSummerTime(timeMs) ? 1 : 0);
  temperatureTerms(t, x);
  temperatureTerms(c.dayTemperature, x);
  // The same terms in kWh (relative to a fixed scale, not the recent level): an electrically heated building's
  // heating load follows the weather, not its level, and in level units its slope would change with the level.
  const relative = x.length - TEMPERATURE_TERMS;
  // In the current regime's kWh: after a level shift the heating load is assumed to move with the rest (a building
  // that changed use heats differently too).
  const kwhScale = (scale * c.regime) / c.level;
  for (let k = 0; k < TEMPERATURE_TERMS; k++) x.push((x[relative + k] as number) * kwhScale);
  const lastWeek = loadAt(s, c, i - 168);
  const dayBack = i - 24 * Math.ceil((h + 1) / 24);
  const lastDay = loadAt(s, c, dayBack);
  const week = Number.isNaN(lastWeek) ? c.level : lastWeek;
  x.push((Number.isNaN(lastDay) ? week : lastDay) / c.level);
  x.push(week / c.level);
  x.push(c.lastHour);
  x.push(c.yesterday);
  // The level itself is 1 by construction; an input for how far yesterday's level is from last week's.
  x.push(c.yesterday - 1);
  // Smoothed profiles: this hour over the last days, and this hour of the week over the last four weeks.
  x.push(lagMean(s, c, i, 24, Math.ceil((h + 1) / 24), 7, week) / c.level);
  x.push(weeklyProfile(s, c, i));
  // This hour on the last day of the same kind (working day, or weekend and holiday) and the mean of the last
  // three: a Monday is forecast from Friday, not from Sunday, whatever the day-type weights of the lags.
  const target = isWorkingDay(timeMs);
  let found = 0;
  let lastSimilar = Number.NaN;
  let similarSum = 0;
  for (let k = Math.ceil((h + 1) / 24); k <= SIMILAR_DAYS_SEARCHED && found < 3; k++) {
    const j = i - 24 * k;
    if (j < 0) break;
    if (isWorkingDay(s.start + j * HOUR_MS) !== target) continue;
    const v = loadAt(s, c, j);
    if (Number.isNaN(v)) continue;
    if (found === 0) lastSimilar = v;
    similarSum += v;
    found += 1;
  }
  x.push((found ? lastSimilar : week) / c.level);
  x.push((found ? similarSum / found : week) / c.level);
  x.push(c.dayAnomaly);
  x.push(c.hourAnomaly);
  return x;
}

/**
 * The normal equations of the fit, kept up to date as days arrive: advancing by Δ hours multiplies what was
 * accumulated by the decay over Δ and adds the new days, so a weekly (or daily) refit costs only the new days.
 * Days older than the window are not added at the start; with the default half-life their weight would be
 * below 2 % anyway.
 */
export class LinearFitter {
  readonly options: LinearOptions;
  private readonly xtx: Float64Array[][];
  private readonly xty: Float64Array[];
  private readonly weights: Float64Array;
  private readonly decay: number;
  /** Set by the first day added (see LinearModel.scale). */
  private scale: number | undefined;
  /** Day origins up to (excluding) this one have been added. */
  private nextOrigin: number;
  /** Rows of the last eight weeks, for the residual quantiles. */
  private recent: { origin: number; h: number; x: number[]; y: number }[] = [];

  constructor(
    private readonly series: HourlySeries,
    options: Partial<LinearOptions> = {},
  ) {
    this.options = { ...DEFAULT_LINEAR_OPTIONS, ...options };
    const H = this.options.horizon;
    this.xtx = Array.from({ length: H }, () =>
      Array.from({ length: FEATURES }, () => new Float64Array(FEATURES)),
    );
    this.xty = Array.from({ length: H }, () => new Float64Array(FEATURES));
    this.weights = new Float64Array(H);
    this.decay = Math.log(2) / (this.options.halfLifeDays * 24);
    const firstMidnight = Math.ceil(series.start / 86_400_000) * 86_400_000;
    this.nextOrigin = (firstMidnight - series.start) / HOUR_MS;
  }

  /**
   * The last model's coefficients and each forecast hour's robust residual scale (1.4826 × the median absolute
   * residual over the last eight weeks): new days are weighted by how far that model missed them (Huber). The
   * first window is fitted twice, the second time weighted by the plain fit's misses. So with robust weights a
   * weekly refit is close to, not the same as, a fit from scratch (days were weighted by the model of their week).
   */
  private robust: { coefficients: number[][]; scale: number[] } | undefined;

  /** Adds every day whose targets end before `until`, weighting them as seen from `until`. */
  advanceTo(until: number): void {
    if (this.options.robust && !this.robust) {
      const startOrigin = this.nextOrigin;
      this.addDays(until);
      if (this.nextOrigin === startOrigin) return;
      this.model();
      // Refit the first window with outliers down-weighted by the plain fit's residuals.
      for (let h = 0; h < this.options.horizon; h++) {
        for (const row of this.xtx[h] as Float64Array[]) row.fill(0);
        (this.xty[h] as Float64Array).fill(0);
        this.weights[h] = 0;
      }
      this.recent = [];
      this.nextOrigin = startOrigin;
    }
    this.addDays(until);
  }

  private addDays(until: number): void {
    const o = this.options;
    const H = o.horizon;
    const p = FEATURES;
    const lastOrigin = until - H;
    if (lastOrigin < this.nextOrigin) return;
    const firstNew = Math.max(this.nextOrigin, 168, lastOrigin - o.windowDays * 24);
    // Age what was accumulated so far to the new reference time.
    const age = Math.exp(-this.decay * (lastOrigin - (this.nextOrigin - 24)));
    for (let h = 0; h < H; h++) {
      for (const row of this.xtx[h] as Float64Array[])
        for (let k = 0; k < p; k++) row[k] = (row[k] as number) * age;
      const b = this.xty[h] as Float64Array;
      for (let k = 0; k < p; k++) b[k] = (b[k] as number) * age;
      this.weights[h] = (this.weights[h] as number) * age;
    }
    const robust = this.options.robust ? this.robust : undefined;
    let origin = this.nextOrigin;
    while (origin < firstNew) origin += 24;
    for (; origin <= lastOrigin; origin += 24) {
      const c = originContext(this.series, origin, H);
      if (!c) continue;
      const decayed = Math.exp(-this.decay * (lastOrigin - origin));
      for (let h = 0; h < H; h++) {
        const y = this.series.kwh[origin + h] as number;
        if (Number.isNaN(y)) continue;
        if (this.scale === undefined) this.scale = c.level / c.regime;
        const x = featuresAt(this.series, origin, h, c, this.scale);
        if (!x) continue;
        const yr = y / c.level;
        let w = decayed;
        if (robust) {
          const beta = robust.coefficients[h] as number[];
          let f = 0;
          for (let j = 0; j < p; j++) f += (beta[j] as number) * (x[j] as number);
          const r = Math.abs(yr - f);
          const limit = HUBER_K * (robust.scale[h] as number);
          if (r > limit) w *= limit / r;
        }
        const a = this.xtx[h] as Float64Array[];
        const b = this.xty[h] as Float64Array;
        for (let j = 0; j < p; j++) {
          const xj = (x[j] as number) * w;
          if (xj === 0) continue;
          b[j] = (b[j] as number) + xj * yr;
          const row = a[j] as Float64Array;
          for (let k = 0; k < p; k++) row[k] = (row[k] as number) + xj * (x[k] as number);
        }
        this.weights[h] = (this.weights[h] as number) + w;
        if (origin > lastOrigin - 56 * 24) this.recent.push({ origin, h, x, y: yr });
      }
    }
    this.nextOrigin = origin;
    this.recent = this.recent.filter((r) => r.origin > lastOrigin - 56 * 24);
  }

  /** Solves the accumulated equations (with the ridge penalty) into a model. */
  model(): LinearModel {
    const o = this.options;
    const H = o.horizon;
    const p = FEATURES;
    const coefficients: number[][] = [];
    for (let h = 0; h < H; h++) {
      const a = (this.xtx[h] as Float64Array[]).map((row) => Float64Array.from(row));
      const lambda = o.ridge * Math.max(1, this.weights[h] as number);
      for (let j = 0; j < p; j++) (a[j] as Float64Array)[j] = ((a[j] as Float64Array)[j] as number) + lambda;
      coefficients.push(Array.from(solveSymmetric(a, this.xty[h] as Float64Array)));
    }
    const residuals: number[][] = Array.from({ length: H }, () => []);
    for (const r of this.recent) {
      const beta = coefficients[r.h] as number[];
      let f = 0;
      for (let j = 0; j < p; j++) f += (beta[j] as number) * (r.x[j] as number);
      (residuals[r.h] as number[]).push(r.y - f);
    }
    this.robust = {
      coefficients,
      scale: residuals.map((list) => {
        if (list.length < 10) return Infinity;
        const abs = list.map(Math.abs).sort((a, b) => a - b);
        return 1.4826 * (abs[Math.floor(abs.length / 2)] as number);
      }),
    };
    const residualQuantiles = residuals.map((list): [number, number] => {
      if (list.length < 10) return [-0.2, 0.2];
      const sorted = [...list].sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
      return [at(0.1), at(0.9)];
    });
    return {
      kind: 'linear',
      options: o,
      coefficients,
      residualQuantiles,
      parameters: H * p,
      scale: this.scale ?? 1,
    };
  }
}

/** Fits on day origins whose targets end before `until`, over the trailing window. */
export function fitLinear(s: HourlySeries, until: number, options: Partial<LinearOptions> = {}): LinearModel {
  const fitter = new LinearFitter(s, options);
  fitter.advanceTo(until);
  return fitter.model();
}

/** Forecasts hours [origin, origin + horizon) seeing loads before `origin` and the forecast temperatures. */
export function predictLinear(
  model: LinearModel,
  s: HourlySeries,
  origin: number,
  horizon = model.options.horizon,
  intervalScale = 1,
): { median: number[]; lower: number[]; upper: number[] } {
  const out = { median: [] as number[], lower: [] as number[], upper: [] as number[] };
  const c = originContext(s, origin, horizon);
  for (let h = 0; h < horizon; h++) {
    const beta = model.coefficients[Math.min(h, model.coefficients.length - 1)] as number[];
    const x = c && featuresAt(s, origin, h, c, model.scale);
    if (!c || !x) {
      out.median.push(Number.NaN);
      out.lower.push(Number.NaN);
      out.upper.push(Number.NaN);
      continue;
    }
    let f = 0;
    for (let j = 0; j < beta.length; j++) f += (beta[j] as number) * (x[j] as number);
    const [q10, q90] = model.residualQuantiles[Math.min(h, model.residualQuantiles.length - 1)] as [
      number,
      number,
    ];
    const median = Math.max(0, f * c.level);
    out.median.push(median);
    out.lower.push(Math.max(0, (f + intervalScale * q10) * c.level));
    out.upper.push((f + intervalScale * q90) * c.level);
  }
  return out;
}
