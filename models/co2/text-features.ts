/** Size of the hashed feature space the classifier reads. */
export const FEATURE_DIMS = 1 << 13;

const LEGAL_FORMS = new Set([
  'a/s',
  'as',
  'aps',
  'amba',
  'a.m.b.a.',
  'i/s',
  'ivs',
  'k/s',
  'p/s',
  'ltd',
  'gmbh',
  'ab',
  'inc',
]);

export interface ClassifierInput {
  description: string;
  supplier: string;
  /** UN/ECE Rec 20 unit of the line's quantity, a strong hint (KWH, LTR, HUR, …). */
  unitCode?: string | undefined;
}

/** Lower-case words of letters (æøå and accents included), digits dropped: "Diesel B7, 800 L" → diesel, b7. */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const w of text
    .toLowerCase()
    .normalize('NFC')
    .split(/[^\p{L}\p{N}]+/u))
    if (w.length >= 2 && !/^\d+$/.test(w)) out.push(w);
  return out;
}

/** FNV-1a, 32 bit. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Hashed features of a line, as sorted distinct indices into FEATURE_DIMS: words, word pairs, character 3- and
 * 4-grams inside words (Danish compounds: "fjernvarmeafregning" shares grams with "fjernvarme"), the supplier's
 * words (legal forms dropped) and the unit code. Each feature weighs 1/√n, so a vector has unit length.
 */
export function textFeatures(input: ClassifierInput): Int32Array {
  const found = new Set<number>();
  const add = (feature: string) => found.add(hash(feature) % FEATURE_DIMS);
  const ws = words(input.description);
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i] as string;
    add(`w:${w}`);
    if (i > 0) add(`b:${ws[i - 1]} ${w}`);
    if (w.length >= 4) {
      const padded = `<${w}>`;
      for (let n = 3; n <= 4; n++)
        for (let j = 0; j + n <= padded.length; j++) add(`c:${padded.slice(j, j + n)}`);
    }
  }
  for (const w of words(input.supplier)) if (!LEGAL_FORMS.has(w)) add(`s:${w}`);
  if (input.unitCode) add(`u:${input.unitCode.toUpperCase()}`);
  return Int32Array.from([...found].sort((a, b) => a - b));
}
