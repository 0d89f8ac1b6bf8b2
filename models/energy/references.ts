import type { LinearModel } from './linear-reference.js';
import type { TowtModel } from './towt.js';

/** A meter's closed-form models as fitted at training: evaluated at each forecast, not refitted. */
export interface MeterReferences {
  linear: LinearModel;
  towt: TowtModel;
}

/**
 * The closed-form models of a trained version (references.json beside the network): the linear reference and
 * TOWT of every meter, fitted when the service trained on the data it had then (the last of the replay's weekly
 * refits), so a served forecast only evaluates them on the latest lags and temperatures, as the replay does.
 */
export interface ServingReferences {
  format: typeof REFERENCES_FORMAT;
  /** The end of the data they were fitted on. */
  fittedUntil: string;
  meters: Record<string, MeterReferences>;
}

export const REFERENCES_FORMAT = 'greenops-energy-references/1';

/** JSON turns NaN into null: a coefficient the fit could not determine stays NaN (its forecast hour too). */
const numbers = (values: readonly (number | null)[]): number[] => values.map((v) => v ?? Number.NaN);

/** Reads references.json's text; throws naming what is wrong. */
export function parseReferences(text: string): ServingReferences {
  const parsed = JSON.parse(text) as ServingReferences;
  if (parsed.format !== REFERENCES_FORMAT)
    throw new Error(`unknown references format ${String(parsed.format)}`);
  for (const m of Object.values(parsed.meters)) {
    m.linear.coefficients = m.linear.coefficients.map(numbers);
    m.towt.intercepts = numbers(m.towt.intercepts);
    m.towt.slopesOccupied = numbers(m.towt.slopesOccupied);
    m.towt.slopesUnoccupied = numbers(m.towt.slopesUnoccupied);
  }
  return parsed;
}
