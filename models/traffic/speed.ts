import { MOTOR_MODES, type TrafficInterval } from './traffic-interval.js';

/** z of the 85th percentile of a normal distribution. */
const Z85 = 1.0364;

/**
 * Speeds over many intervals. A v85 is a percentile, so the v85 of a day is not the mean of its intervals' v85s:
 * each interval's speeds are taken as normal with its mean and v85 (σ = (v85 − mean) / z85), weighted by its vehicles,
 * and the 85th percentile of that mixture is solved for. Means are weighted by vehicles too.
 */
export class SpeedAccumulator {
  /**
   * (weight, mean, σ) per distinct rounded component: binning keeps a year of 15-minute intervals cheap. Keyed by
   * the half-km/h steps of mean and σ as one small integer (a string key per interval was a measurable cost).
   */
  private readonly components = new Map<number, { w: number; mean: number; sigma: number }>();
  private weight = 0;
  private weightedMean = 0;
  private v85Only = 0;
  private v85OnlyWeight = 0;

  add(iv: TrafficInterval): void {
    let w = 0;
    for (const m of MOTOR_MODES) w += iv.counts[m] ?? 0;
    if (w === 0 || iv.meanKmh === undefined) {
      if (w > 0 && iv.v85Kmh !== undefined) {
        this.v85Only += w * iv.v85Kmh;
        this.v85OnlyWeight += w;
      }
      return;
    }
    this.weight += w;
    this.weightedMean += w * iv.meanKmh;
    if (iv.v85Kmh === undefined) return;
    const mean2 = Math.round(iv.meanKmh * 2);
    const sigma2 = Math.max(1, Math.round(((iv.v85Kmh - iv.meanKmh) / Z85) * 2));
    const key = mean2 * 65_536 + sigma2;
    const mean = mean2 / 2;
    const sigma = sigma2 / 2;
    const c = this.components.get(key);
    if (c) c.w += w;
    else this.components.set(key, { w, mean, sigma });
  }

  meanKmh(): number | undefined {
    return this.weight > 0 ? this.weightedMean / this.weight : undefined;
  }

  /** The mixture's 85th percentile; without means, the vehicle-weighted mean of the v85s (marked approximate). */
  v85Kmh(): { value: number; method: 'mixture' | 'weighted-mean' } | undefined {
    if (this.components.size > 0) return { value: this.quantile(0.85), method: 'mixture' };
    if (this.v85OnlyWeight > 0) return { value: this.v85Only / this.v85OnlyWeight, method: 'weighted-mean' };
    return undefined;
  }

  /** Share of vehicles above a speed limit, from the same mixture. */
  overShare(limitKmh: number): number | undefined {
    if (this.components.size === 0) return undefined;
    return 1 - this.cdf(limitKmh);
  }

  private cdf(x: number): number {
    let p = 0;
    let w = 0;
    for (const c of this.components.values()) {
      p += c.w * normalCdf((x - c.mean) / c.sigma);
      w += c.w;
    }
    return p / w;
  }

  private quantile(q: number): number {
    let lo = 0;
    let hi = 300;
    for (let i = 0; i < 40; i++) {
      const mid = (lo + hi) / 2;
      if (this.cdf(mid) < q) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  }
}

/** Standard normal CDF (Abramowitz & Stegun 26.2.17, error < 7.5e-8). */
export function normalCdf(z: number): number {
  const t = 1 / (1 + 0.2316419 * Math.abs(z));
  const d = 0.3989422804014327 * Math.exp((-z * z) / 2);
  const p =
    d * t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return z > 0 ? 1 - p : p;
}
