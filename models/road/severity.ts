import type { DamageClass } from '../../core/index.js';

/**
 * How much a damage class matters for safety and for the road's decay, 0–1: potholes and alligator cracking first
 * (they grow and damage vehicles), markings and joints last. A road department may override a defect's severity.
 */
export const CLASS_WEIGHT: Record<DamageClass, number> = {
  D40: 1,
  D20: 0.8,
  D10: 0.6,
  D00: 0.55,
  sign_damaged: 0.6,
  D43: 0.5,
  D50: 0.45,
  D44: 0.4,
  marking_faded: 0.4,
  D11: 0.3,
  D01: 0.3,
};

/** Names of the classes for people, in Danish and English. */
export const DAMAGE_NAMES: Record<DamageClass, { da: string; en: string }> = {
  D00: { da: 'Længderevne', en: 'Longitudinal crack' },
  D01: { da: 'Længdefuge', en: 'Longitudinal joint' },
  D10: { da: 'Tværrevne', en: 'Transverse crack' },
  D11: { da: 'Tværfuge', en: 'Transverse joint' },
  D20: { da: 'Krakelering', en: 'Alligator cracking' },
  D40: { da: 'Slaghul', en: 'Pothole' },
  D43: { da: 'Slidt fodgængerfelt', en: 'Faded crosswalk' },
  D44: { da: 'Slidt kantlinje', en: 'Faded white line' },
  D50: { da: 'Dæksel', en: 'Manhole cover' },
  marking_faded: { da: 'Slidt afmærkning', en: 'Faded marking' },
  sign_damaged: { da: 'Beskadiget skilt', en: 'Damaged sign' },
};

/**
 * Severity on the 1–5 scale road departments grade with (Vialytics, RoadBotics): the class weight, scaled by the
 * largest box seen (a bigger share of the frame is a bigger defect) and by the fused confidence (a doubtful defect
 * is not urgent). Returns the grade and the 0–1 score behind it.
 */
export function severityOf(
  damage: DamageClass,
  maxBoxArea: number,
  fusedConfidence: number,
): {
  grade: number;
  score: number;
} {
  const size = Math.min(1, Math.sqrt(Math.max(0, maxBoxArea)) / 0.35);
  const score = CLASS_WEIGHT[damage] * (0.45 + 0.55 * size) * (0.6 + 0.4 * fusedConfidence);
  return { grade: Math.min(5, Math.max(1, Math.ceil(score * 5))), score: Math.round(score * 1000) / 1000 };
}
