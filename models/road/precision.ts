/** Wilson score interval for a proportion (95 % with z = 1.96): sound for small counts, unlike ±1.96·√(p(1−p)/n). */
export function wilsonInterval(successes: number, n: number, z = 1.96): { low: number; high: number } {
  if (n === 0) return { low: 0, high: 1 };
  const p = successes / n;
  const d = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / d;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

export interface ReviewedDefect {
  damage: string;
  modelVersion: string;
  /** The decision's outcome: confirmed, or rejected as a false positive (other reasons do not count). */
  confirmed: boolean;
  /** The defect's highest detection confidence when it was decided. */
  maxConfidence: number;
  atMs: number;
}

export interface ClassPrecision {
  damage: string;
  modelVersion: string;
  confirmed: number;
  falsePositives: number;
  precision: number | null;
  ci95: { low: number; high: number };
  /** Precision of the most recent reviews (the last 30), to show a drop. */
  recentPrecision: number | null;
  /** The recent precision is below the interval of all reviews: the detector got worse, or the roads changed. */
  alert: boolean;
  /** The lowest confidence at which the reviewed defects reach the target precision; null without enough reviews. */
  suggestedThreshold: number | null;
}

const RECENT = 30;

/**
 * Precision per damage class and detector version from people's decisions: confirmed ÷ (confirmed + rejected as a
 * false positive). The learning loop: a class whose precision drops raises an alert, and a per-class confidence
 * threshold is suggested that would have kept precision at `target` on the reviews so far.
 */
export function precisionByClass(reviews: readonly ReviewedDefect[], target = 0.9): ClassPrecision[] {
  const groups = new Map<string, ReviewedDefect[]>();
  for (const r of reviews) {
    const key = `${r.damage}\u0000${r.modelVersion}`;
    const list = groups.get(key) ?? [];
    list.push(r);
    groups.set(key, list);
  }
  const out: ClassPrecision[] = [];
  for (const list of groups.values()) {
    const first = list[0] as ReviewedDefect;
    const confirmed = list.filter((r) => r.confirmed).length;
    const n = list.length;
    const ci95 = wilsonInterval(confirmed, n);
    const recent = [...list].sort((a, b) => b.atMs - a.atMs).slice(0, RECENT);
    const recentPrecision = n >= 2 * RECENT ? recent.filter((r) => r.confirmed).length / recent.length : null;
    out.push({
      damage: first.damage,
      modelVersion: first.modelVersion,
      confirmed,
      falsePositives: n - confirmed,
      precision: n === 0 ? null : Math.round((confirmed / n) * 1000) / 1000,
      ci95: { low: Math.round(ci95.low * 1000) / 1000, high: Math.round(ci95.high * 1000) / 1000 },
      recentPrecision: recentPrecision === null ? null : Math.round(recentPrecision * 1000) / 1000,
      alert: recentPrecision !== null && recentPrecision < ci95.low,
      suggestedThreshold: suggestThreshold(list, target),
    });
  }
  return out.sort((a, b) => a.damage.localeCompare(b.damage) || a.modelVersion.localeCompare(b.modelVersion));
}

function suggestThreshold(list: readonly ReviewedDefect[], target: number): number | null {
  if (list.length < 10) return null;
  const sorted = [...list].sort((a, b) => b.maxConfidence - a.maxConfidence);
  let confirmed = 0;
  let best: number | null = null;
  sorted.forEach((r, i) => {
    if (r.confirmed) confirmed += 1;
    // Keep the lowest confidence down to which precision still meets the target with at least 5 defects kept.
    if (i >= 4 && confirmed / (i + 1) >= target) best = r.maxConfidence;
  });
  return best === null ? null : Math.floor((best as number) * 100) / 100;
}
