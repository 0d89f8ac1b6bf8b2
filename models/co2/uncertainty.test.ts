import { describe, expect, it } from 'vitest';
import { combineRanges, lognormalMoments } from './uncertainty.js';

describe('combining log-normal ranges', () => {
  it('gives one line its own range back', () => {
    const r = combineRanges([{ kg: 100, low: 50, high: 200, group: 'a' }]);
    expect(r.kg).toBe(100);
    expect(r.low).toBeCloseTo(50, 6);
    expect(r.high).toBeCloseTo(200, 6);
  });

  it('adds the ranges of lines on the same factor (their errors move together)', () => {
    const r = combineRanges([
      { kg: 100, low: 50, high: 200, group: 'a' },
      { kg: 300, low: 150, high: 600, group: 'a' },
    ]);
    expect(r.low).toBeCloseTo(200, 6);
    expect(r.high).toBeCloseTo(800, 6);
  });

  it('narrows the relative range of independent factors, and never goes below zero', () => {
    const items = Array.from({ length: 50 }, (_, i) => ({ kg: 10, low: 1, high: 100, group: `f${i}` }));
    const r = combineRanges(items);
    expect(r.kg).toBe(500);
    expect(r.low).toBeGreaterThan(50);
    expect(r.high).toBeLessThan(5000);
    expect(r.low).toBeLessThanOrEqual(r.kg);
    expect(r.high).toBeGreaterThanOrEqual(r.kg);
    // Wide, skewed ranges still keep a positive lower bound (the old sum of ends did too, but a normal sum did not).
    const wide = combineRanges([{ kg: 5, low: 0.1, high: 400, group: 'x' }, ...items]);
    expect(wide.low).toBeGreaterThan(0);
  });

  it('subtracts credit notes, combining the two sides independently', () => {
    const r = combineRanges([
      { kg: 1000, low: 500, high: 2000, group: 'a' },
      { kg: -100, low: -200, high: -50, group: 'b' },
    ]);
    expect(r.kg).toBe(900);
    expect(r.low).toBeCloseTo(900 - Math.hypot(500, 100), 6);
    expect(r.high).toBeCloseTo(900 + Math.hypot(1000, 50), 6);
  });

  it('nets a credit against the charge on the same factor first, so the total keeps its sign', () => {
    // An invoice's disposal charge and a container-rent credit both costed on the waste spend factor: as two
    // independent sides the total's low end went below zero; on one factor they move together.
    const r = combineRanges([
      { kg: 437.8, low: 218.9, high: 875.7, group: 'spend:waste' },
      { kg: -109.5, low: -379.5, high: -7.3, group: 'spend:waste' },
    ]);
    expect(r.kg).toBeCloseTo(328.3, 6);
    expect(r.low).toBeCloseTo(218.9 - 7.3, 6);
    expect(r.high).toBeCloseTo(875.7 - 379.5, 6);
    // A credit larger than its factor's charges leaves a net credit with a range on the credit's side.
    const net = combineRanges([
      { kg: 100, low: 50, high: 200, group: 'a' },
      { kg: -300, low: -600, high: -150, group: 'a' },
    ]);
    expect(net.kg).toBe(-200);
    expect(net.high).toBeLessThan(0);
    expect(net.low).toBeLessThan(net.kg);
  });

  it('matches the moments of a log-normal given by its 90 % range', () => {
    const { mean } = lognormalMoments(50, 200);
    // Median 100, sigma ln(4)/(2·1.645): mean = 100·exp(σ²/2).
    const sigma = Math.log(4) / (2 * 1.6448536);
    expect(mean).toBeCloseTo(100 * Math.exp((sigma * sigma) / 2), 6);
  });
});
