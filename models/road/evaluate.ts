import { metresBetween, type LatLon } from './geo.js';

export interface TruthDefect extends LatLon {
  id: string;
  damage: string;
}

export interface FoundDefect extends LatLon {
  id: string;
  damage: string;
}

export interface ClusteringScore {
  found: number;
  truth: number;
  truePositives: number;
  precision: number;
  recall: number;
  /** Found defects that are a second (or later) defect for one true defect. */
  duplicates: number;
  duplicateShare: number;
}

/**
 * Scores found defects against ground truth: a found defect matches the nearest true defect of its class within
 * `withinM`; precision counts found defects that match, recall true defects matched at least once, duplicates the
 * extra matches of one true defect.
 */
export function scoreClustering(
  found: readonly FoundDefect[],
  truth: readonly TruthDefect[],
  withinM = 10,
): ClusteringScore {
  const matches = new Map<string, number>();
  let truePositives = 0;
  for (const f of found) {
    let best: TruthDefect | undefined;
    let bestM = withinM;
    for (const t of truth) {
      if (t.damage !== f.damage) continue;
      const m = metresBetween(f, t);
      if (m <= bestM) {
        best = t;
        bestM = m;
      }
    }
    if (!best) continue;
    truePositives += 1;
    matches.set(best.id, (matches.get(best.id) ?? 0) + 1);
  }
  const duplicates = [...matches.values()].reduce((s, n) => s + n - 1, 0);
  return {
    found: found.length,
    truth: truth.length,
    truePositives,
    precision: found.length === 0 ? 1 : truePositives / found.length,
    recall: truth.length === 0 ? 1 : matches.size / truth.length,
    duplicates,
    duplicateShare: found.length === 0 ? 0 : duplicates / found.length,
  };
}
