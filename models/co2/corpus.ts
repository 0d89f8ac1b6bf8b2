import terms from './reference/corpus-terms.json' with { type: 'json' };
import lexicon from './reference/lexicon.json' with { type: 'json' };
import type { ClassifierInput } from './text-features.js';

export interface LabelledExample extends ClassifierInput {
  category: string;
}

interface CategoryTerms {
  unit: string;
  da: string[];
  en: string[];
  suppliers: string[];
}

const MONTHS_DA = [
  'januar',
  'februar',
  'marts',
  'april',
  'maj',
  'juni',
  'juli',
  'august',
  'september',
  'oktober',
  'november',
  'december',
];
const MONTHS_EN = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const PLACES = [
  'Rådhuset',
  'Skolen',
  'Børnehuset Solsikken',
  'Plejecentret',
  'Materielgården',
  'Biblioteket',
  'Svømmehallen',
  'Town Hall',
];
const OTHER_SUPPLIERS = ['Grossisten A/S', 'Leverandøren ApS', 'Nordic Supply AB', 'Handelshuset I/S'];

/** Line descriptions as invoices word them, in Danish and English; `{t}` is the term. */
const TEMPLATES_DA = [
  '{t}',
  '{T}',
  '{t} {month} {year}',
  'Levering af {t}',
  'Køb af {t}',
  '{T}, {place}',
  '{t} jf. aftale',
  'Faktura {n}: {t}',
  '{T} - {place} - {month}',
];
const TEMPLATES_EN = [
  '{t}',
  '{T}',
  '{t} {month} {year}',
  'Supply of {t}',
  'Purchase of {t}',
  '{T}, {place}',
  '{t} as agreed',
  'Invoice {n}: {t}',
  '{T} - {place} - {month}',
];

/** Small deterministic generator (mulberry32), so the corpus and its split are the same on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function termHash(term: string): number {
  let h = 7;
  for (const ch of term) h = (Math.imul(h, 31) + (ch.codePointAt(0) as number)) >>> 0;
  return h;
}

export const CORPUS_VERSION = `${terms.version}+lexicon-${lexicon.version}`;
export const CORPUS_SOURCE: string = terms.source;

/**
 * The labelled corpus: every term of every category in several invoice wordings, with a supplier (mostly one
 * of the category's, sometimes a generic wholesaler) and, on half of the lines, the category's usual unit.
 * The split is by term, not by line: a held-out term never appears in training, so held-out accuracy measures
 * how the classifier does on wording it has not seen.
 */
export function buildCorpus(options: { heldOutShare?: number; variants?: number } = {}): {
  train: LabelledExample[];
  test: LabelledExample[];
} {
  const heldOutShare = options.heldOutShare ?? 0.2;
  const variants = options.variants ?? 4;
  const random = seededRandom(2026);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const train: LabelledExample[] = [];
  const test: LabelledExample[] = [];
  for (const [category, c] of Object.entries(terms.categories as Record<string, CategoryTerms>)) {
    for (const [language, list] of [
      ['da', c.da],
      ['en', c.en],
    ] as const) {
      for (const term of list) {
        const heldOut = (termHash(`${category}|${term}`) % 1000) / 1000 < heldOutShare;
        const templates = language === 'da' ? TEMPLATES_DA : TEMPLATES_EN;
        for (let v = 0; v < variants; v++) {
          const month = Math.floor(random() * 12);
          const description = pick(templates)
            .replace('{t}', term)
            .replace('{T}', term.charAt(0).toUpperCase() + term.slice(1))
            .replace('{month}', (language === 'da' ? MONTHS_DA : MONTHS_EN)[month] as string)
            .replace('{year}', String(2022 + Math.floor(random() * 5)))
            .replace('{place}', pick(PLACES))
            .replace('{n}', String(1000 + Math.floor(random() * 9000)));
          const supplier = random() < 0.8 ? pick(c.suppliers) : pick(OTHER_SUPPLIERS);
          const example = { description, supplier, unitCode: random() < 0.5 ? c.unit : undefined, category };
          (heldOut ? test : train).push(example);
        }
      }
    }
  }
  // The lexicon's German, Dutch, Norwegian and Swedish terms, so the network has seen those languages' wording
  // (one wording each, to keep the first-run training short), split by term like the rest.
  const templates = ['{t}', '{T}', '{T} {n}', '{t}, {place}'];
  for (const [category, byLanguage] of Object.entries(
    lexicon.categories as Record<string, Record<string, string[]>>,
  )) {
    const c = (terms.categories as Record<string, CategoryTerms>)[category];
    if (!c) continue;
    for (const language of ['de', 'nl', 'no', 'sv'])
      for (const term of byLanguage[language] ?? []) {
        const heldOut = (termHash(`${category}|${term}`) % 1000) / 1000 < heldOutShare;
        const description = pick(templates)
          .replace('{t}', term)
          .replace('{T}', term.charAt(0).toUpperCase() + term.slice(1))
          .replace('{place}', pick(PLACES))
          .replace('{n}', String(1 + Math.floor(random() * 99)));
        const supplier = random() < 0.8 ? pick(c.suppliers) : pick(OTHER_SUPPLIERS);
        const example = { description, supplier, unitCode: random() < 0.5 ? c.unit : undefined, category };
        (heldOut ? test : train).push(example);
      }
  }
  return { train, test };
}

/** Category ids of the corpus, in a fixed order (the classifier's output order). */
export const CORPUS_CATEGORIES: string[] = Object.keys(terms.categories).sort();
