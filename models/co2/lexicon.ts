import data from './reference/lexicon.json' with { type: 'json' };

/** Languages the lexicon covers: Peppol is cross-border, so every line is read against all of them. */
export const LEXICON_LANGUAGES = ['da', 'en', 'de', 'nl', 'no', 'sv'] as const;
export type LexiconLanguage = (typeof LEXICON_LANGUAGES)[number];

/** Why a line carries no emissions of its own. */
export type NonEmittingKind =
  | 'tax'
  | 'levy'
  | 'admin_fee'
  | 'deposit'
  | 'rounding'
  | 'interest'
  | 'instalment'
  | 'standing_charge'
  | 'grid'
  | 'metering';

/** Categories whose lines are costed by a physical quantity of an energy carrier or water. */
export const CARRIERS = [
  'electricity',
  'district_heating',
  'natural_gas',
  'diesel',
  'petrol',
  'heating_oil',
  'water',
] as const;
export type Carrier = (typeof CARRIERS)[number];
const CARRIER_SET = new Set<string>(CARRIERS);
export const isCarrier = (category: string): category is Carrier => CARRIER_SET.has(category);

export const LEXICON_VERSION: string = data.version;
export const LEXICON_SOURCE: string = data.source;

/** Weights: a whole word or phrase says more than the head of a compound, which says more than its first part. */
const WHOLE = 3;
const HEAD = 2;
const MODIFIER = 1;
/** Generic fee words ("gebühr", "gebyr", "avgift") name a fee, not what it is for: they count half. */
const GENERIC_FEES = new Set([
  'gebühr',
  'gebühren',
  'gebyr',
  'gebyrer',
  'avgift',
  'afgift',
  'afgifter',
  'fee',
]);

interface Entry {
  /** A category id, `ne:<kind>` for a non-emitting kind, or `energy` for an energy-charge marker. */
  label: string;
  /** Whether the term also matches inside compounds (not for English, which writes compounds apart). */
  compound: boolean;
  weight: number;
}

/**
 * Lower-case tokens of letters and digits; "ß" kept, hyphens and slashes split ("co2-afgift" → co2, afgift), except
 * after a prefix of at most three letters, which is written onto its word: "El-cykel" → elcykel, "Hi-vis" → hivis,
 * "El-Kretsen" → elkretsen (so a short prefix is read as the compound's first part, not as a word of its own).
 */
export function tokens(text: string): string[] {
  return text
    .toLowerCase()
    .normalize('NFC')
    .replace(/(?<![\p{L}\p{N}])(\p{L}{1,3})-(?=\p{L})/gu, '$1')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 0);
}

const single = new Map<string, Entry[]>();
const phrases = new Map<string, Entry[]>();
let longestPhrase = 1;

function index(term: string, label: string, language: string): void {
  const ts = tokens(term);
  if (ts.length === 0) return;
  const entry: Entry = {
    label,
    compound: language !== 'en' && ts.length === 1 && (ts[0] as string).length >= 4,
    weight: label.startsWith('ne:') && ts.length === 1 && GENERIC_FEES.has(ts[0] as string) ? 0.5 : 1,
  };
  const map = ts.length === 1 ? single : phrases;
  const key = ts.join(' ');
  longestPhrase = Math.max(longestPhrase, ts.length);
  const list = map.get(key) ?? [];
  if (!list.some((e) => e.label === label)) list.push(entry);
  map.set(key, list);
}

for (const [category, byLanguage] of Object.entries(
  data.categories as Record<string, Record<string, string[]>>,
))
  for (const [language, terms] of Object.entries(byLanguage))
    for (const t of terms) index(t, category, language);
for (const [kind, byLanguage] of Object.entries(data.nonEmitting as Record<string, Record<string, string[]>>))
  for (const [language, terms] of Object.entries(byLanguage))
    for (const t of terms) index(t, `ne:${kind}`, language);
for (const [language, terms] of Object.entries(data.energyCharge as Record<string, string[]>))
  for (const t of terms) index(t, 'energy', language);
const PLACEHOLDER = new Set(data.placeholder.flatMap((t) => tokens(t)));
/** Words for servicing or repair: with a vehicle in the same text, the line is a vehicle service, not a vehicle. */
const SERVICE_WORDS = new Set(data.serviceWords);
/** Words that say nothing about the category ("preis", "kosten", "beløb"): a compound ending in one has no head. */
const NEUTRAL = new Set(data.neutral);

/** Inflection endings tried when a word is not found as written (plural and definite forms). */
const ENDINGS = ['erne', 'ene', 'en', 'er', 'ar', 'or', 'et', 'e', 'n', 's'];

/** The word without its longest inflection ending (kept at least four letters), or the word itself. */
function stemOf(word: string): string {
  for (const ending of ENDINGS)
    if (word.length - ending.length >= 4 && word.endsWith(ending)) return word.slice(0, -ending.length);
  return word;
}

/** Entries that may be read inside compounds, by term: filtered once, not per look-up. */
const compoundable = new Map<string, Entry[]>();
for (const [term, entries] of single) {
  const c = entries.filter((e) => e.compound);
  if (c.length > 0) compoundable.set(term, c);
}

function lookup(word: string): Entry[] | undefined {
  const found = single.get(word);
  if (found) return found;
  for (const ending of ENDINGS)
    if (word.length - ending.length >= 4 && word.endsWith(ending)) {
      const stem = single.get(word.slice(0, -ending.length));
      if (stem) return stem;
    }
  return undefined;
}

/** What the lexicon reads in a line's text. */
export interface LexiconReading {
  /** Score per category id (carriers included). */
  categories: Map<string, number>;
  /** Score per non-emitting kind. */
  nonEmitting: Map<NonEmittingKind, number>;
  /** Words that mark the line carrying an energy quantity ("consumption", "Arbeitspreis", "forbrug"). */
  energyCharge: number;
  /** The text is only generic nouns ("Produkt", "Artikel", "Test item") with numbers or single letters. */
  placeholder: boolean;
  /** Terms that matched, for the estimate's explanation. */
  matched: string[];
}

function add(reading: LexiconReading, entries: Entry[], weight: number, term: string): void {
  for (const e of entries) {
    const w = weight * e.weight;
    if (e.label === 'energy') reading.energyCharge += w;
    else if (e.label.startsWith('ne:')) {
      const kind = e.label.slice(3) as NonEmittingKind;
      reading.nonEmitting.set(kind, (reading.nonEmitting.get(kind) ?? 0) + w);
    } else reading.categories.set(e.label, (reading.categories.get(e.label) ?? 0) + w);
  }
  reading.matched.push(term);
}

/**
 * Reads a line's text against the multilingual lexicon: whole words and phrases first; a word not found whole is
 * split as a compound (da/de/nl/no/sv), its longest known ending read as the head ("Stromlieferung" → lieferung,
 * "Spildevandsafgift" → afgift) and its longest known beginning as a modifier. Costs a few map look-ups per word.
 */
export function readText(text: string): LexiconReading {
  const cached = readings.get(text);
  if (cached) return cached;
  const reading = readUncached(text);
  // Recurring lines repeat their text month after month: read each text once (bounded; readings are not mutated).
  if (readings.size >= READING_CACHE) readings.clear();
  readings.set(text, reading);
  return reading;
}

const READING_CACHE = 50_000;
const readings = new Map<string, LexiconReading>();

function readUncached(text: string): LexiconReading {
  const reading: LexiconReading = {
    categories: new Map(),
    nonEmitting: new Map(),
    energyCharge: 0,
    placeholder: false,
    matched: [],
  };
  const ts = tokens(text);
  const covered = new Uint8Array(ts.length);
  for (let n = Math.min(longestPhrase, ts.length); n >= 2; n--)
    for (let i = 0; i + n <= ts.length; i++) {
      if (covered[i]) continue;
      const key = ts.slice(i, i + n).join(' ');
      const entries = phrases.get(key);
      if (!entries) continue;
      add(reading, entries, WHOLE + n - 1, key);
      covered.fill(1, i, i + n);
    }
  let generic = 0;
  let content = 0;
  for (let i = 0; i < ts.length; i++) {
    const word = ts[i] as string;
    if (/^\p{N}+$/u.test(word) || word.length === 1) continue;
    content++;
    if (PLACEHOLDER.has(word) || isGenericCompound(word)) generic++;
    if (covered[i]) continue;
    const whole = lookup(word);
    if (whole) {
      add(reading, whole, WHOLE, word);
      continue;
    }
    if (word.length < 6) continue;
    if (isAdminFee(word)) {
      add(reading, [{ label: 'ne:admin_fee', compound: true, weight: 1 }], WHOLE, word);
      continue;
    }
    const stem = stemOf(word);
    for (let k = 1; k <= word.length - 4; k++) {
      const rest = word.slice(k);
      if (NEUTRAL.has(rest)) break;
      const head =
        compoundable.get(rest) ?? (k <= stem.length - 4 ? compoundable.get(stem.slice(k)) : undefined);
      // Four letters after four or fewer is read as a compound only when the first part is a word too: "tågresa"
      // (tåg + resa) and "neorokokosofa" are, "Göteborg" (göte + borg, a deposit in Dutch) is a name.
      if (head && rest.length <= 4 && k <= 4 && !knownPart(word.slice(0, k))) continue;
      if (head) {
        add(reading, head, HEAD, `…${rest}`);
        break;
      }
    }
    for (let k = word.length - 3; k >= 4; k--) {
      const first = compoundable.get(word.slice(0, k));
      if (first) {
        add(reading, first, MODIFIER, `${word.slice(0, k)}…`);
        break;
      }
    }
  }
  const vehicles = reading.categories.get('vehicles');
  if (vehicles !== undefined && ts.some((t) => SERVICE_WORDS.has(t))) {
    reading.categories.delete('vehicles');
    // The pair says more than either word ("Wartung" alone may be IT maintenance).
    reading.categories.set(
      'vehicle_service',
      (reading.categories.get('vehicle_service') ?? 0) + vehicles + 1,
    );
    reading.matched.push('service + vehicle');
  }
  // Only generic nouns ("Test item", "Produkt 1"), or one word and a lone letter ("Produkt A"; not the unit of
  // "Spylervæske 4 l").
  reading.placeholder =
    reading.categories.size === 0 &&
    reading.nonEmitting.size === 0 &&
    content <= 4 &&
    (generic * 2 > content || (content <= 1 && ts.some((t, i) => isLoneLetter(t) && !isNumber(ts[i - 1]))));
  return reading;
}

const isLoneLetter = (t: string) => t.length === 1 && /^[a-z]$/u.test(t);
const isNumber = (t: string | undefined) => t !== undefined && /^\p{N}+$/u.test(t);

/** A compound's first part that is a word of the lexicon, also with a linking -s or -e ("vands", "arbeits"). */
function knownPart(part: string): boolean {
  if (part.length < 2) return false;
  if (single.has(part) || compoundable.has(part)) return true;
  const bare = part.replace(/(s|e|es)$/u, '');
  return bare.length >= 2 && bare !== part && (single.has(bare) || compoundable.has(bare));
}

/** Heads of fee compounds, and the modifiers that make such a fee an administrative one. */
const FEE_HEADS = [
  'gebühr',
  'gebühren',
  'pauschale',
  'zuschlag',
  'kosten',
  'entgelt',
  'gebyr',
  'gebyrer',
  'tillæg',
  'tillegg',
  'avgift',
  'afgift',
  'kostnad',
  'kostnader',
  'toeslag',
  'fee',
  'fees',
];
const ADMIN_MODIFIERS = [
  'verwaltung',
  'bearbeitung',
  'beschaffung',
  'bestell',
  'auftrag',
  'abwicklung',
  'mahn',
  'rechnung',
  'buchung',
  'zulassung',
  'registrierung',
  'administration',
  'administrasjon',
  'administratie',
  'ekspedition',
  'ekspedisjon',
  'expedition',
  'expeditie',
  'faktura',
  'factuur',
  'fakturering',
  'rykker',
  'purre',
  'påminnelse',
  'aanmaning',
  'handling',
  'hantering',
  'behandeling',
  'dossier',
  'registrering',
  'registratie',
  'oprettelse',
  'etablering',
  'uppläggning',
  'ordre',
  'order',
  'bestilling',
  'booking',
  'incasso',
  'inkasso',
  'transaktion',
  'transaksjon',
];

/** "Bearbeitungspauschale", "ekspeditionsgebyr", "administratiekosten": an administrative modifier on a fee head. */
function isAdminFee(word: string): boolean {
  for (const head of FEE_HEADS) {
    if (!word.endsWith(head) || word.length <= head.length + 3) continue;
    const first = word.slice(0, -head.length).replace(/(s|e|es|-)$/u, '');
    if (ADMIN_MODIFIERS.some((m) => first === m || first.startsWith(m))) return true;
  }
  return false;
}

/** "Fremdleistung", "Testvare", "Dummyartikel": a compound whose head is generic, or a test/dummy/demo word. */
function isGenericCompound(word: string): boolean {
  if (/^(test|dummy|demo|beispiel|eksempel|exempel|sample)\p{L}{2,}/u.test(word)) return true;
  for (let k = 1; k <= word.length - 4; k++) if (PLACEHOLDER.has(word.slice(k))) return true;
  return false;
}

/** The best and second-best label of a score map. */
export function ranked<K>(scores: Map<K, number>): { best: K | undefined; score: number; second: number } {
  let best: K | undefined;
  let score = 0;
  let second = 0;
  for (const [k, s] of scores) {
    if (s > score) {
      second = score;
      score = s;
      best = k;
    } else if (s > second) second = s;
  }
  return { best, score, second };
}

/** Carrier scores of a text (electricity, gas, heat, water, fuels), e.g. of a supplier's name or another line. */
export function carrierScores(reading: LexiconReading): Map<Carrier, number> {
  const out = new Map<Carrier, number>();
  for (const [c, s] of reading.categories) if (isCarrier(c)) out.set(c, s);
  return out;
}
