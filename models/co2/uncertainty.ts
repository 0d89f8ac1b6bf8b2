/** z of the 95th percentile: a 90 % range runs from the 5th to the 95th percentile. */
const Z90 = 1.6448536;
/** The lowest low end of a factor's net, as a share of its central value. */
const FLOOR = 0.01;

/** A line's (or a group's) central kg CO₂e and its 90 % range; `group` names the factor it shares with others. */
export interface RangedAmount {
  kg: number;
  low: number;
  high: number;
  group: string;
}

interface Moments {
  mean: number;
  variance: number;
}

/**
 * Mean and variance of a log-normal whose 5th and 95th percentiles are `low` and `high` (both > 0). Emission
 * factors are roughly log-normal: a factor "known to a factor of two" is as likely to be half as double.
 */
export function lognormalMoments(low: number, high: number): Moments {
  const mu = (Math.log(low) + Math.log(high)) / 2;
  const sigma = (Math.log(high) - Math.log(low)) / (2 * Z90);
  const mean = Math.exp(mu + (sigma * sigma) / 2);
  return { mean, variance: (Math.exp(sigma * sigma) - 1) * mean * mean };
}

/** The 90 % range of the log-normal with these moments (Fenton–Wilkinson moment matching). */
function lognormalRange({ mean, variance }: Moments): [number, number] {
  if (mean <= 0) return [0, 0];
  const s2 = Math.log(1 + variance / (mean * mean));
  const mu = Math.log(mean) - s2 / 2;
  const s = Math.sqrt(s2);
  return [Math.exp(mu - Z90 * s), Math.exp(mu + Z90 * s)];
}

/**
 * Sum of same-signed amounts, one per factor (all as positive numbers): its central value and 90 % range. Different
 * factors are independent: the sum of their log-normals, matched to one log-normal.
 */
function sideRange(factors: readonly RangedAmount[]): { kg: number; low: number; high: number } {
  let kg = 0;
  let mean = 0;
  let variance = 0;
  let exactLow = 0;
  let exactHigh = 0;
  for (const f of factors) {
    kg += f.kg;
    if (f.kg <= 0) continue;
    if (f.low <= 0 || f.high <= f.low) {
      // A point value (no spread): adds its mean and no variance.
      mean += f.kg;
      exactLow += f.kg;
      exactHigh += f.kg;
      continue;
    }
    const m = lognormalMoments(f.low, f.high);
    mean += m.mean;
    variance += m.variance;
  }
  if (kg === 0) return { kg: 0, low: 0, high: 0 };
  if (variance === 0) return { kg, low: exactLow, high: exactHigh };
  const [low, high] = lognormalRange({ mean, variance });
  // The central value is the sum of the lines' estimates; the range always holds it.
  return { kg, low: Math.min(low, kg), high: Math.max(high, kg) };
}

/**
 * Combines lines' central values and 90 % ranges into a total. Each line's range is multiplicative (a log-normal
 * around its factor); lines on the same factor move together, different factors independently. The factors whose
 * lines net positive and those that net to a credit are summed apart, and the credits subtract: the lower bound of
 * a sum of non-negative amounts is never negative.
 */
export function combineRanges(items: readonly RangedAmount[]): { kg: number; low: number; high: number } {
  // Lines on one factor move together, credits among them too: a credit and the charge it reverses net out per
  // factor first (at the factor's low end the charge is at its low and the credit at its high, and the other way
  // round), so a partly credited charge keeps a range of its own sign instead of two independent ones.
  const byFactor = new Map<string, RangedAmount>();
  for (const i of items) {
    const f = byFactor.get(i.group) ?? { kg: 0, low: 0, high: 0, group: i.group };
    f.kg += i.kg;
    f.low += i.kg >= 0 ? i.low : i.high;
    f.high += i.kg >= 0 ? i.high : i.low;
    byFactor.set(i.group, f);
  }
  const positive: RangedAmount[] = [];
  const negative: RangedAmount[] = [];
  for (const f of byFactor.values()) {
    const [low, high] = f.low <= f.high ? [f.low, f.high] : [f.high, f.low];
    // A net whose range reaches past zero keeps a spread (a log-normal needs a low end above zero).
    if (f.kg > 0) positive.push({ kg: f.kg, low: Math.max(f.kg * FLOOR, low), high, group: f.group });
    else if (f.kg < 0)
      negative.push({ kg: -f.kg, low: Math.max(-f.kg * FLOOR, -high), high: -low, group: f.group });
  }
  const p = sideRange(positive);
  if (negative.length === 0) return p;
  const n = sideRange(negative);
  const kg = p.kg - n.kg;
  // Independent errors of the two sums, added in quadrature on each side.
  const low = kg - Math.hypot(p.kg - p.low, n.high - n.kg);
  const high = kg + Math.hypot(p.high - p.kg, n.kg - n.low);
  return { kg, low, high };
}
