import { describe, expect, it } from 'vitest';
import { Random } from '../../edge/index.js';
import { hourOfWeek, HOUR_MS, type HourlySeries } from './hourly-series.js';
import { avoidedEnergy } from './savings.js';

/** Two years of a building; from `retrofitAt` (hour index) on it uses `saving` less (e.g. 0.12 for 12 %). */
function building(saving: number, retrofitAt: number, seed = 3): HourlySeries {
  const random = new Random(seed);
  const start = Date.UTC(2024, 0, 7, 23);
  const kwh: number[] = [];
  const temperatureC: number[] = [];
  let weather = 0;
  for (let i = 0; i < 2 * 365 * 24; i++) {
    weather = 0.995 * weather + random.normal(0, 0.5);
    const temp =
      8 -
      9 * Math.cos((2 * Math.PI * (i / 24 - 20)) / 365) +
      3 * Math.sin((2 * Math.PI * (i % 24)) / 24) +
      weather;
    const tow = hourOfWeek(start + i * HOUR_MS);
    const open = tow < 120 && tow % 24 >= 7 && tow % 24 < 17;
    const load =
      ((open ? 40 : 12) + 2.5 * Math.max(0, 15 - temp)) * (i >= retrofitAt ? 1 - saving : 1) +
      random.normal(0, 2);
    kwh.push(load);
    temperatureC.push(temp);
  }
  return { start, kwh, temperatureC };
}

describe('avoided energy (M&V, ASHRAE G14)', () => {
  const year = 365 * 24;

  // G14's range is statistical: it does not cover TOWT's model-form error (here the true heating kink at 15 °C
  // lies between knots), so the tests hold the estimate to the known truth rather than the range.
  it('recovers a known 12 % saving after a retrofit to within half a percentage point', () => {
    const r = avoidedEnergy(building(0.12, year), 0, year, year, 2 * year);
    expect(r.baselineFit.meetsG14).toBe(true);
    expect(Math.abs(r.avoidedPct - 12)).toBeLessThan(0.5);
    expect(r.range[0]).toBeCloseTo(r.avoidedKwh - r.uncertaintyKwh, 6);
    expect(r.uncertaintyKwh).toBeGreaterThan(0);
  });

  it('finds no saving where nothing changed', () => {
    for (const seed of [8, 11])
      expect(
        Math.abs(avoidedEnergy(building(0, year, seed), 0, year, year, 2 * year).avoidedPct),
      ).toBeLessThan(0.5);
  });

  it('widens the range when the baseline fits badly', () => {
    const noisy = building(0.12, year);
    for (let i = 0; i < noisy.kwh.length; i++)
      noisy.kwh[i] = (noisy.kwh[i] as number) * (1 + 0.4 * Math.sin(i * 1.7));
    const clean = avoidedEnergy(building(0.12, year), 0, year, year, 2 * year);
    const bad = avoidedEnergy(noisy, 0, year, year, 2 * year);
    expect(bad.baselineFit.cvRmsePct).toBeGreaterThan(clean.baselineFit.cvRmsePct);
    expect(bad.uncertaintyKwh / bad.counterfactualKwh).toBeGreaterThan(
      clean.uncertaintyKwh / clean.counterfactualKwh,
    );
  });
});
