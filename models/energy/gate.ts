import { ASHRAE_G14_HOURLY, meetsAshraeG14Hourly } from './accuracy.js';
import { BACKTEST_MODELS, type BacktestModel, type BacktestReport } from './backtest.js';
import { chooseModel, choiceReason } from './model-choice.js';

/** Backtest days a meter needs for the G14 rule to judge it (G14 wants a month of hourly data at least). */
export const GATE_MIN_DAYS = 30;

export interface MeterServing {
  meter: string;
  serve: BacktestModel;
  /** Why: the meter's recent CV(RMSE) per model, and anything that ruled a model out. */
  reason: string;
  /** Whether what it is served meets ASHRAE G14 hourly over the backtest; false on tiny, noisy meters. */
  meetsG14: boolean;
}

export interface GateDecision {
  /** The model most meters are served (what a site's summed forecast mostly comes from). */
  serve: BacktestModel;
  /** Whether the network may be served at all. */
  neuralPassed: boolean;
  /** Why: every rule that failed, or that all passed. */
  reasons: string[];
  /** Each meter's model, chosen by its own recent backtest. */
  perMeter?: MeterServing[];
}

/**
 * Publication gate. The network may be served only if, on the tenant's own backtest, it beats both the linear
 * reference and seasonal naive on median CV(RMSE) and meets ASHRAE Guideline 14's hourly criteria on at least
 * as many meters with adequate data as the linear reference does (adequate: at least GATE_MIN_DAYS backtest
 * days, 90 % of hours scored). Then each meter is served the model with the lowest CV(RMSE) over its own
 * recent forecasts (the network only where it beats the linear reference there), so no meter is served
 * something worse than its best reference because the median looked good.
 */
export function gate(report: BacktestReport): GateDecision {
  const adequate = report.meters.filter(
    (m) => m.days >= GATE_MIN_DAYS && m.accuracy.neural.n >= 0.9 * m.days * report.horizonHours,
  );
  const reasons: string[] = [];
  if (adequate.length === 0)
    reasons.push(
      `no meter has ${GATE_MIN_DAYS} backtest days with 90 % of hours scored: ASHRAE G14 cannot judge the network, so it is not served`,
    );
  const md = report.median;
  const pct = (v: number) => `${v.toFixed(1)} %`;
  if (!(md.neural.cvRmsePct < md.linear.cvRmsePct))
    reasons.push(
      `neural: median CV(RMSE) ${pct(md.neural.cvRmsePct)} does not beat the linear reference's ${pct(md.linear.cvRmsePct)}`,
    );
  if (!(md.neural.cvRmsePct < md.seasonalNaive.cvRmsePct))
    reasons.push(
      `neural: median CV(RMSE) ${pct(md.neural.cvRmsePct)} does not beat seasonal naive's ${pct(md.seasonalNaive.cvRmsePct)}`,
    );
  const g14 = (model: BacktestModel) => adequate.filter((m) => meetsAshraeG14Hourly(m.accuracy[model]));
  if (adequate.length > 0 && g14('neural').length < g14('linear').length) {
    const failing = adequate.filter(
      (m) => meetsAshraeG14Hourly(m.accuracy.linear) && !meetsAshraeG14Hourly(m.accuracy.neural),
    );
    reasons.push(
      `neural: within ASHRAE G14 (CV(RMSE) ≤ ${ASHRAE_G14_HOURLY.maxCvRmsePct} %, |NMBE| ≤ ${ASHRAE_G14_HOURLY.maxAbsNmbePct} %) on ${g14('neural').length} of ${adequate.length} meters, the linear reference on ${g14('linear').length}; outside where the linear one is within: ${failing
        .slice(0, 5)
        .map((m) => `${m.meter} ${pct(m.accuracy.neural.cvRmsePct)} / ${pct(m.accuracy.neural.nmbePct)}`)
        .join(', ')}`,
    );
  }
  const neuralPassed = reasons.length === 0;
  const perMeter = report.meters.map((m): MeterServing => {
    const recent = { ...m.recentCvRmsePct };
    if (!neuralPassed) recent.neural = Number.NaN;
    const serve = chooseModel(recent);
    const noisy = !meetsAshraeG14Hourly(m.accuracy[serve]);
    return {
      meter: m.meter,
      serve,
      reason:
        choiceReason(serve, m.recentCvRmsePct) +
        (!neuralPassed && m.chosen === 'neural' ? '; the network is not published (see the gate)' : '') +
        shiftNote(m.levelShifts ?? []) +
        (noisy
          ? `; no model meets ASHRAE G14 on this meter (served: CV(RMSE) ${pct(m.accuracy[serve].cvRmsePct)} over the backtest): treat its forecasts as indicative`
          : ''),
      meetsG14: !noisy,
    };
  });
  const counts = new Map<BacktestModel, number>();
  for (const p of perMeter) counts.set(p.serve, (counts.get(p.serve) ?? 0) + 1);
  const serve =
    [...BACKTEST_MODELS].sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0))[0] ?? 'linear';
  const summary = BACKTEST_MODELS.filter((k) => counts.get(k))
    .map((k) => `${k} on ${counts.get(k)}`)
    .join(', ');
  return {
    serve,
    neuralPassed,
    reasons: neuralPassed
      ? [
          `neural beats the linear reference (${pct(md.neural.cvRmsePct)} against ${pct(md.linear.cvRmsePct)} median CV(RMSE)) and seasonal naive, and meets G14 on ${g14('neural').length} of ${adequate.length} meters`,
          `served per meter by its own recent backtest: ${summary}`,
        ]
      : [...reasons, `the network is not served; per meter by its own recent backtest: ${summary}`],
    perMeter,
  };
}

/**
 * The card's words for the level changes the forecasts followed on a meter (the load halved or doubled for days
 * against the same days a week before): a change of use, a long closure or a cold spell.
 */
function shiftNote(shifts: readonly { from: string; ratio: number; knownFrom: string }[]): string {
  if (shifts.length === 0) return '';
  const each = shifts.map(
    (x) =>
      `${x.from.slice(0, 10)} to ${Math.round(x.ratio * 100)} % of the level before (followed from ${x.knownFrom.slice(0, 10)})`,
  );
  return `; level changes followed (a change of use, a closure or a cold spell): ${each.join(', ')}`;
}
