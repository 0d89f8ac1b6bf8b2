import { ASHRAE_G14_HOURLY, meetsAshraeG14Hourly } from './accuracy.js';
import type { BacktestModel, BacktestReport } from './backtest.js';

export interface GateDecision {
  /** The model the tenant's forecasts come from. */
  serve: BacktestModel;
  neuralPassed: boolean;
  /** Why: every rule that failed, or that all passed. */
  reasons: string[];
}

/**
 * Publication gate: the neural model is served only if, on the tenant's own backtest, it beats seasonal naive
 * (median CV(RMSE)) and every meter with adequate data meets ASHRAE Guideline 14's hourly criteria. Otherwise
 * the best reference that passes the same rules is served (TOWT, else seasonal naive, the fallback of last
 * resort), and the decision says why. Adequate data: at least 30 backtest days of which 90 % of hours scored.
 */
export function gate(report: BacktestReport): GateDecision {
  const adequate = report.meters.filter(
    (m) => m.days >= 30 && m.accuracy.neural.n >= 0.9 * m.days * report.horizonHours,
  );
  const judged = adequate.length > 0 ? adequate : report.meters;
  const failures = (model: BacktestModel): string[] => {
    const reasons: string[] = [];
    const naive = report.median.seasonalNaive.cvRmsePct;
    if (model !== 'seasonalNaive' && !(report.median[model].cvRmsePct < naive)) {
      reasons.push(
        `${model}: median CV(RMSE) ${report.median[model].cvRmsePct.toFixed(1)} % does not beat seasonal naive's ${naive.toFixed(1)} %`,
      );
    }
    const failing = judged.filter((m) => !meetsAshraeG14Hourly(m.accuracy[model]));
    if (failing.length > 0) {
      reasons.push(
        `${model}: ${failing.length} of ${judged.length} meters outside ASHRAE G14 (CV(RMSE) ≤ ${ASHRAE_G14_HOURLY.maxCvRmsePct} %, |NMBE| ≤ ${ASHRAE_G14_HOURLY.maxAbsNmbePct} %): ${failing
          .slice(0, 5)
          .map(
            (m) =>
              `${m.meter} ${m.accuracy[model].cvRmsePct.toFixed(1)} % / ${m.accuracy[model].nmbePct.toFixed(1)} %`,
          )
          .join(', ')}`,
      );
    }
    return reasons;
  };
  const neural = failures('neural');
  if (neural.length === 0) {
    return {
      serve: 'neural',
      neuralPassed: true,
      reasons: [
        `neural passes on ${judged.length} meters and beats seasonal naive (${(report.neuralToNaiveCvRmse * 100).toFixed(0)} % of its CV(RMSE))`,
      ],
    };
  }
  const towt = failures('towt');
  if (towt.length === 0)
    return { serve: 'towt', neuralPassed: false, reasons: [...neural, 'serving TOWT, which passes'] };
  return {
    serve: 'seasonalNaive',
    neuralPassed: false,
    reasons: [...neural, ...towt, 'serving seasonal naive, the reference of last resort'],
  };
}
