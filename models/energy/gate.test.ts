import { describe, expect, it } from 'vitest';
import type { Accuracy } from './accuracy.js';
import type { BacktestModel, BacktestReport, MeterBacktest, ScoredModel } from './backtest.js';
import { gate } from './gate.js';

const acc = (cvRmsePct: number, nmbePct = 0, n = 60 * 24): Accuracy => ({
  n,
  cvRmsePct,
  nmbePct,
  mapePct: 0,
});

/** A meter with each model's CV(RMSE) over the backtest and over its recent days (the same here). */
function meter(name: string, cv: Record<BacktestModel, number>, days = 60): MeterBacktest {
  const accuracy = Object.fromEntries(
    (['neural', 'linear', 'towt', 'seasonalNaive'] as const).map((k) => [k, acc(cv[k], 0, days * 24)]),
  ) as Record<ScoredModel, Accuracy>;
  accuracy.served = acc(cv.linear, 0, days * 24);
  return {
    meter: name,
    days,
    excludedHours: 0,
    accuracy,
    neuralMeetsG14: cv.neural <= 30,
    chosen: 'linear',
    recentCvRmsePct: cv,
    linearIntervalScale: 1,
    servedErrorSplit: { levelCvRmsePct: 0, shapeCvRmsePct: 0 },
    levelShifts: [],
  };
}

function report(meters: MeterBacktest[]): BacktestReport {
  const median = (k: ScoredModel) => {
    const v = meters.map((m) => m.accuracy[k].cvRmsePct).sort((a, b) => a - b);
    return ((v[Math.floor((v.length - 1) / 2)] as number) + (v[Math.ceil((v.length - 1) / 2)] as number)) / 2;
  };
  const models: ScoredModel[] = ['neural', 'linear', 'towt', 'seasonalNaive', 'served'];
  return {
    trainUntil: '2026-01-01T00:00:00.000Z',
    horizonHours: 24,
    retrainEveryHours: 168,
    retrainings: 8,
    backend: 'wasm',
    trainingSeconds: 1,
    backtestSeconds: 2,
    forecastMsPerMeter: 0.5,
    meters,
    median: Object.fromEntries(
      models.map((k) => [k, { cvRmsePct: median(k), nmbePct: 0, mapePct: 0 }]),
    ) as never,
    p90CvRmsePct: Object.fromEntries(models.map((k) => [k, median(k)])) as never,
    g14Met: Object.fromEntries(models.map((k) => [k, 0])) as never,
    neuralToNaiveCvRmse: median('neural') / median('seasonalNaive'),
  };
}

describe('publication gate, per meter', () => {
  it('does not publish a network that loses to the linear reference, and serves no meter the network then', () => {
    const decision = gate(
      report([
        meter('a', { neural: 9, linear: 10, towt: 14, seasonalNaive: 18 }),
        meter('b', { neural: 13, linear: 11, towt: 15, seasonalNaive: 19 }),
        meter('c', { neural: 14, linear: 12, towt: 16, seasonalNaive: 20 }),
      ]),
    );
    expect(decision.neuralPassed).toBe(false);
    expect(decision.reasons[0]).toMatch(/does not beat the linear reference/);
    expect(decision.perMeter?.map((m) => m.serve)).toEqual(['linear', 'linear', 'linear']);
  });

  it('serves each meter the model its own recent backtest favours, the network only where it beats the linear one', () => {
    const decision = gate(
      report([
        meter('a', { neural: 8, linear: 10, towt: 14, seasonalNaive: 18 }),
        meter('b', { neural: 9, linear: 11, towt: 15, seasonalNaive: 19 }),
        meter('c', { neural: 12, linear: 11.9, towt: 16, seasonalNaive: 20 }),
        meter('d', { neural: 25, linear: 24, towt: 20, seasonalNaive: 26 }),
      ]),
    );
    expect(decision.neuralPassed).toBe(true);
    expect(decision.perMeter?.map((m) => [m.meter, m.serve])).toEqual([
      ['a', 'neural'],
      ['b', 'neural'],
      ['c', 'linear'],
      ['d', 'towt'],
    ]);
    expect(decision.perMeter?.[3]?.reason).toMatch(/^towt: lowest CV\(RMSE\) over the last 56 backtest days/);
  });

  it('says when no model meets ASHRAE G14 on a tiny, noisy meter', () => {
    const decision = gate(
      report([
        meter('a', { neural: 8, linear: 10, towt: 14, seasonalNaive: 18 }),
        meter('noisy', { neural: 70, linear: 60, towt: 65, seasonalNaive: 80 }),
      ]),
    );
    const noisy = decision.perMeter?.find((m) => m.meter === 'noisy');
    expect(noisy?.meetsG14).toBe(false);
    expect(noisy?.reason).toMatch(/no model meets ASHRAE G14 on this meter/);
  });

  it("names a meter's level changes on the card", () => {
    const shifted = meter('school', { neural: 12, linear: 10, towt: 14, seasonalNaive: 18 });
    shifted.levelShifts = [
      { from: '2017-04-03T00:00:00.000Z', ratio: 0.21, knownFrom: '2017-04-06T00:00:00.000Z' },
    ];
    const decision = gate(
      report([shifted, meter('b', { neural: 8, linear: 10, towt: 14, seasonalNaive: 18 })]),
    );
    expect(decision.perMeter?.find((m) => m.meter === 'school')?.reason).toMatch(
      /level changes followed \(a change of use, a closure or a cold spell\): 2017-04-03 to 21 % of the level before \(followed from 2017-04-06\)/,
    );
    expect(decision.perMeter?.find((m) => m.meter === 'b')?.reason).not.toMatch(/level changes/);
  });

  it('cannot publish the network on fewer backtest days than G14 needs', () => {
    const decision = gate(report([meter('a', { neural: 5, linear: 10, towt: 14, seasonalNaive: 18 }, 28)]));
    expect(decision.neuralPassed).toBe(false);
    expect(decision.reasons[0]).toMatch(/no meter has 30 backtest days/);
  });
});
