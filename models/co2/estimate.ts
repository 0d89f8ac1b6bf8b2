import { createHash } from 'node:crypto';
import { REVIEW_CONFIDENCE, type TextClassifier } from './classifier.js';
import { categoryForCodes } from './classification-codes.js';
import {
  activityEmission,
  supplierFactor,
  spendInPriceYear,
  unitKind,
  normaliseCompanyId,
  type EmissionScope,
  type FactorTable,
} from './factor-table.js';
import type { InvoiceLine } from './invoice-line.js';
import {
  CARRIERS,
  carrierScores,
  isCarrier,
  ranked,
  readText,
  type Carrier,
  type LexiconReading,
  type NonEmittingKind,
} from './lexicon.js';
import { combineRanges, type RangedAmount } from './uncertainty.js';

export interface EstimateContext {
  table: FactorTable;
  classifier: TextClassifier;
  /** Reviewers' categories; they win over codes, the lexicon and the classifier. */
  reviews?: Reviews;
  /**
   * What each supplier sold before (category → lines), by supplierKey: a prior for lines the text does not settle.
   * estimateLines builds it from the lines it is given when this is absent.
   */
  supplierHistory?: SupplierHistory;
}

export type SupplierHistory = ReadonlyMap<string, ReadonlyMap<string, number>>;

/**
 * Reviewed categories by line id, and by supplier and wording: a recurring line (next month's invoice from the same
 * supplier, same text but for dates and numbers) takes its reviewed category without waiting for a retraining.
 */
export interface Reviews {
  byLine: ReadonlyMap<string, string>;
  byText: ReadonlyMap<string, string>;
}

/** Lines that carry no emissions of their own: taxes, levies, fees, deposits, rounding, interest, instalments. */
export const NON_EMITTING = 'non_emitting';
/** Lines whose text says nothing about what was bought ("Produkt 1", "Test item"). */
export const UNKNOWN = 'unknown';
/** Categories a reviewer may set: the factor table's, and non_emitting. */
export const REVIEW_EXTRA_CATEGORIES = [NON_EMITTING];
const NAMES: Record<string, string> = {
  [NON_EMITTING]: 'Ikke-udledende (skat, afgift, gebyr, pant, renter, afdrag)',
  [UNKNOWN]: 'Ukendt (teksten siger ikke hvad der er købt)',
};
/** The range of a line costed by the average spend factor: a factor of four either way. */
export const UNKNOWN_RANGE: [number, number] = [0.25, 4];

const MONTH_WORDS =
  /\b(januar|january|februar|february|marts|march|april|maj|may|juni|june|juli|july|august|september|oktober|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|okt|oct|nov|dec|q[1-4]|kvartal|quarter)\b/gu;

/** Supplier and wording of a line with dates, months and numbers taken out: the key of a recurring line. */
export function recurringLineKey(supplier: string, description: string): string {
  const text = description
    .toLowerCase()
    .replace(/\p{N}+/gu, ' ')
    .replace(MONTH_WORDS, ' ')
    .replace(/[^\p{L}]+/gu, ' ')
    .trim();
  return `${supplier.toLowerCase().trim()}|${text}`;
}

export type ClassifiedBy =
  | 'review'
  | 'review-recurring'
  | 'unspsc'
  | 'cpv'
  | 'isbn'
  | 'lexicon'
  | 'activity'
  | 'classifier'
  | 'context'
  | 'placeholder';

/** One invoice line (all its fields) with its CO₂e estimate and everything needed to explain and reproduce it. */
export interface LineEstimate extends InvoiceLine {
  id: string;
  /** The stored line's version in the ledger (its ETag); undefined for files estimated outside the ledger. */
  version: number | undefined;
  month: string;
  /** A factor-table category, `non_emitting` or `unknown`. */
  category: string;
  categoryName: string;
  classification: {
    by: ClassifiedBy;
    /** Calibrated: among unflagged lines (≥ REVIEW_CONFIDENCE) the category should be right ≥ 95 % of the time. */
    confidence: number;
    model: string | null;
    alternatives: { category: string; p: number }[];
  };
  /**
   * GHG Protocol tier: activity data × the supplier's own factor, activity data × an average factor, or
   * spend × an environmentally extended input-output factor; `excluded` for non-emitting lines (0 kg).
   */
  method: 'supplier' | 'activity' | 'spend' | 'excluded';
  factor: {
    key: string;
    value: number;
    unit: string;
    source: string;
    year: number;
    status: string;
    tableVersion: string;
  };
  basis:
    | { quantity: number; unit: string }
    | { dkk: number; priceYearDkk: number; priceYear: number; exchangeRate: number }
    | undefined;
  kgCo2e: number | null;
  /** 90 % range in kg CO₂e: the factor's multiplicative range, widened over the classification's alternatives. */
  range: [number, number] | null;
  scope: EmissionScope;
  review: boolean;
  /** What a reviewer's look at this line can change, in kg CO₂e: the review queue is ordered by it. */
  kgAtStake: number;
  /** For an activity line: the carrier and what decided it (the line's text, its code, supplier, invoice or unit). */
  activity: {
    carrier: Carrier;
    decidedBy: 'text' | 'code' | 'review' | 'supplier' | 'invoice' | 'unit';
  } | null;
  /**
   * For a non-emitting line: why, and the invoice line that carries the energy this charge is levied on (null when
   * it is not a charge on energy); null for every other line.
   */
  excluded: { kind: NonEmittingKind | 'same_energy' | 'reviewed'; energyLine: string | null } | null;
  notes: string[];
}

/**
 * A line's stable identity: supplier, document and line number, so the same invoice read twice (or from
 * another file name) is the same line, and a reviewer's correction stays attached to it.
 */
export function invoiceLineId(line: InvoiceLine): string {
  return createHash('sha256')
    .update(
      [line.supplier.id ?? line.supplier.name, line.documentType, line.documentId, line.lineId].join(
        '\u0000',
      ),
    )
    .digest('hex')
    .slice(0, 16);
}

/** Supplier names that are template placeholders say nothing about who sold what. */
const PLACEHOLDER_SUPPLIER = /[[\]<>{}]|^(test|muster|sample|example|seller|supplier|leverandør)\b/i;

/** The key a supplier's history is kept under: its company id, else its name; undefined for placeholders. */
export function supplierKey(line: InvoiceLine): string | undefined {
  if (line.supplier.id && !PLACEHOLDER_SUPPLIER.test(line.supplier.id))
    return `id:${normaliseCompanyId(line.supplier.id)}`;
  if (PLACEHOLDER_SUPPLIER.test(line.supplier.name)) return undefined;
  return `name:${line.supplier.name.toLowerCase().trim()}`;
}

interface Method {
  method: LineEstimate['method'];
  kg: number | null;
  multipliers: [number, number];
  scope: EmissionScope;
  factor: LineEstimate['factor'];
  basis: LineEstimate['basis'];
  note: string | undefined;
}

/** Spend-average factor for lines of unknown category: the plain mean of the table's category factors. */
function averageSpendFactor(table: FactorTable): number {
  const values = Object.values(table.categories).map((c) => c.kgPerDkk);
  return values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
}

function spendMethod(table: FactorTable, category: string, line: InvoiceLine, note?: string): Method {
  const c = table.categories[category];
  const unknown = !c;
  const kgPerDkk = c ? c.kgPerDkk : averageSpendFactor(table);
  const year = Number(line.issueDate.slice(0, 4));
  const spend = spendInPriceYear(table, line.amount, line.currency, year);
  const factor = {
    key: unknown ? 'spend:average' : `spend:${category}`,
    value: kgPerDkk,
    unit: `kg CO2e/DKK (${table.priceYear} prices)`,
    source: unknown
      ? `mean of the table's category spend factors (${table.spend.source})`
      : table.spend.source,
    year: table.priceYear,
    status: table.spend.status,
    tableVersion: table.version,
  };
  const multipliers = unknown ? UNKNOWN_RANGE : table.spend.range;
  const scope = c?.scope ?? 3;
  if (!spend)
    return {
      method: 'spend',
      kg: null,
      multipliers,
      scope,
      factor,
      basis: undefined,
      note: `no exchange rate for ${line.currency} in factor table ${table.version}`,
    };
  return {
    method: 'spend',
    kg: spend.priceYearDkk * kgPerDkk,
    multipliers,
    scope,
    factor,
    basis: {
      dkk: spend.dkk,
      priceYearDkk: spend.priceYearDkk,
      priceYear: table.priceYear,
      exchangeRate: spend.rate,
    },
    note,
  };
}

/**
 * Supplier-specific or activity-based where the category has a factor and the line a usable quantity (the
 * supplier's own factor when the table has one), else spend-based.
 */
function methodFor(
  table: FactorTable,
  category: string,
  line: InvoiceLine,
  quantity = activityQuantity(line),
): Method {
  const c = table.categories[category];
  if (!c) return spendMethod(table, category, line);
  let note: string | undefined;
  const own = c.activity === undefined ? undefined : supplierFactor(table, line.supplier.id, c.activity);
  const activity = own?.factor ?? (c.activity === undefined ? undefined : table.activity[c.activity]);
  if (activity && c.activity !== undefined) {
    if (quantity) {
      const result = activityEmission(activity, quantity.quantity, quantity.unitCode);
      if (result)
        return {
          method: own ? 'supplier' : 'activity',
          kg: result.kg,
          multipliers: activity.range,
          scope: activity.scope,
          factor: {
            key: own ? `supplier:${own.id}:${c.activity}` : c.activity,
            value: result.perUnit,
            unit: `kg CO2e/${result.unit}`,
            source: activity.source,
            year: activity.year,
            status: activity.status,
            tableVersion: table.version,
          },
          basis: { quantity: result.quantity, unit: result.unit },
          note: quantity.fromText
            ? `quantity ${quantity.quantity} ${quantity.unitCode} read from the text`
            : undefined,
        };
      note = `unit ${quantity.unitCode} does not fit the ${c.activity} factor; spend-based instead`;
    } else note = 'no quantity with a unit on the line; spend-based instead';
  }
  return spendMethod(table, category, line, note);
}

/** Quantities in the text: "16.000 kWh", "800 L", "25 m³", "2,5 MWh", "12 GJ". */
const TEXT_QUANTITY =
  /(\d{1,3}(?:[ .]\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?)\s*(kwh|mwh|gwh|gj|m3|m³|kubikmeter|liter|litre|liters|litres|ltr|l)(?![\p{L}\p{N}])/iu;
const TEXT_UNITS: Record<string, string> = {
  kwh: 'KWH',
  mwh: 'MWH',
  gwh: 'GWH',
  gj: 'GV',
  m3: 'MTQ',
  'm³': 'MTQ',
  kubikmeter: 'MTQ',
  liter: 'LTR',
  litre: 'LTR',
  liters: 'LTR',
  litres: 'LTR',
  ltr: 'LTR',
  l: 'LTR',
};

function parseNumber(text: string): number {
  // "16.000" and "16 000" are thousands; "2,5" and "2.5" decimals.
  if (/^\d{1,3}([ .]\d{3})+(,\d+)?$/.test(text)) return Number(text.replace(/[ .]/g, '').replace(',', '.'));
  return Number(text.replace(',', '.'));
}

/**
 * The line's physical quantity of energy or volume: the invoiced quantity when its Rec 20 unit is one (KWH, MWH,
 * GJ, MTQ, LTR, …), else a quantity written in the text with such a unit (a fuel line "Diesel 800 L" sent as 1 EA).
 */
export function activityQuantity(
  line: InvoiceLine,
): { quantity: number; unitCode: string; kind: 'energy' | 'volume'; fromText: boolean } | undefined {
  if (line.quantity !== undefined && line.quantity !== 0 && line.unitCode) {
    const kind = unitKind(line.unitCode);
    if (kind) return { quantity: line.quantity, unitCode: line.unitCode, kind, fromText: false };
  }
  const m = TEXT_QUANTITY.exec(line.description);
  if (m) {
    const unitCode = TEXT_UNITS[(m[2] as string).toLowerCase()] as string;
    const value = parseNumber(m[1] as string);
    const kind = unitKind(unitCode);
    if (kind && Number.isFinite(value) && value > 0)
      return { quantity: (line.amount < 0 ? -1 : 1) * value, unitCode, kind, fromText: true };
  }
  return undefined;
}

/** The invoiced quantity and unit as sent, whatever the unit (so a misfit can be named). */
function invoicedQuantity(line: InvoiceLine): ReturnType<typeof activityQuantity> {
  if (line.quantity === undefined || line.quantity === 0 || !line.unitCode) return undefined;
  return { quantity: line.quantity, unitCode: line.unitCode, kind: 'energy', fromText: false };
}

/** Which carriers can be costed in a unit: energy units by kWh, volumes by m³ or litres. */
function fits(table: FactorTable, carrier: Carrier, unitCode: string): boolean {
  const f = table.activity[table.categories[carrier]?.activity ?? carrier];
  return f !== undefined && activityEmission(f, 1, unitCode) !== undefined;
}

/** The carrier a unit suggests when nothing else does: kWh → electricity, m³ → water, litres → diesel. */
function unitDefault(unitCode: string): Carrier {
  if (unitKind(unitCode) === 'energy') return unitCode === 'GV' ? 'district_heating' : 'electricity';
  return unitCode === 'MTQ' ? 'water' : 'diesel';
}

/** Charges on the energy itself: they name the line that carries it (an invoice fee or a reminder does not). */
const ENERGY_CHARGE_KINDS = new Set<NonEmittingKind>(['tax', 'levy', 'grid', 'metering', 'standing_charge']);
/** Charges a line may be even when it names a carrier: those on the energy, and administrative fees. */
const CHARGE_KINDS = new Set<NonEmittingKind>([...ENERGY_CHARGE_KINDS, 'admin_fee']);

interface Decision {
  category: string;
  by: ClassifiedBy;
  confidence: number;
  alternatives: { category: string; p: number }[];
  model: string | null;
  activity?: LineEstimate['activity'];
  excluded?: { kind: NonNullable<LineEstimate['excluded']>['kind']; energyLine: string | undefined };
  notes: string[];
}

interface Analysis {
  line: InvoiceLine & { version?: number };
  id: string;
  reading: LexiconReading;
  quantity: ReturnType<typeof activityQuantity>;
  decision?: Decision;
}

function analyse(line: InvoiceLine & { version?: number }): Analysis {
  let reading = readText(line.description);
  if (reading.categories.size === 0 && reading.nonEmitting.size === 0 && line.detail) {
    const detail = readText(line.detail);
    if (detail.categories.size > 0 || detail.nonEmitting.size > 0)
      reading = { ...detail, placeholder: false };
  }
  return { line, id: invoiceLineId(line), reading, quantity: activityQuantity(line) };
}

const share = (m: ReadonlyMap<string, number> | undefined, category: string): number => {
  if (!m) return 0;
  let total = 0;
  for (const v of m.values()) total += v;
  return total === 0 ? 0 : (m.get(category) ?? 0) / total;
};

/** The category other lines (of the invoice, or of the supplier) point to most, with its share. */
function dominant(
  m: ReadonlyMap<string, number> | undefined,
): { category: string; share: number } | undefined {
  if (!m) return undefined;
  const { best } = ranked(m as Map<string, number>);
  return best === undefined ? undefined : { category: best, share: share(m, best) };
}

interface DocumentContext {
  /** Carrier words on all the invoice's lines and in the supplier's name. */
  carriers: Map<Carrier, number>;
  supplierCarrier: Carrier | undefined;
  /** Categories of the invoice's lines the lexicon or a code settled. */
  categories: Map<string, number>;
}

function reviewed(context: EstimateContext, a: Analysis): Decision | undefined {
  const r = context.reviews;
  const category =
    r?.byLine.get(a.id) ?? r?.byText.get(recurringLineKey(a.line.supplier.name, a.line.description));
  if (category === undefined) return undefined;
  if (!context.table.categories[category] && category !== NON_EMITTING) return undefined;
  const by: ClassifiedBy = r?.byLine.has(a.id) ? 'review' : 'review-recurring';
  const decision: Decision = { category, by, confidence: 1, alternatives: [], model: null, notes: [] };
  if (category === NON_EMITTING) decision.excluded = { kind: 'reviewed', energyLine: undefined };
  else if (isCarrier(category) && a.quantity) decision.activity = { carrier: category, decidedBy: 'review' };
  return decision;
}

/** Decides a line's category (and, for energy lines, the carrier) from everything known about it. */
function decide(a: Analysis, doc: DocumentContext, context: EstimateContext): Decision {
  const review = reviewed(context, a);
  if (review) return review;
  const { table } = context;
  const { line, reading, quantity } = a;
  const ne = ranked(reading.nonEmitting);
  const cat = ranked(reading.categories);
  const carrier = ranked(carrierScores(reading));
  const coded = categoryForCodes(table, line.unspsc, line.codes);
  const notes: string[] = [];
  if (line.unspsc && coded?.by !== 'unspsc') notes.push(`UNSPSC ${line.unspsc} is not mapped to a category`);

  // An energy or volume quantity: either the line carrying the energy, or a charge levied on it.
  if (quantity && (quantity.kind === 'energy' || carrier.score > 0 || (coded && isCarrier(coded.category)))) {
    if (ne.best !== undefined && CHARGE_KINDS.has(ne.best) && ne.score >= carrier.score && !coded)
      return {
        category: NON_EMITTING,
        by: 'lexicon',
        confidence: ne.score >= 2 ? 0.9 : 0.7,
        alternatives: [],
        model: null,
        excluded: { kind: ne.best, energyLine: undefined },
        notes: [
          ...notes,
          `a ${ne.best.replace('_', ' ')} on energy already counted on its own line (${reading.matched.join(', ')})`,
        ],
      };
    const candidates: [Carrier | undefined, NonNullable<LineEstimate['activity']>['decidedBy'], number][] = [
      [coded && isCarrier(coded.category) ? coded.category : undefined, 'code', 1],
      [carrier.best, 'text', carrier.score >= 2 ? 0.95 : 0.8],
      [doc.supplierCarrier, 'supplier', 0.85],
      [ranked(doc.carriers).best, 'invoice', 0.75],
      [unitDefault(quantity.unitCode), 'unit', 0.5],
    ];
    for (const [c, decidedBy, confidence] of candidates)
      if (c && fits(table, c, quantity.unitCode)) {
        if (decidedBy === 'unit')
          notes.push(`nothing names the carrier: ${quantity.unitCode} taken as ${c}; check it`);
        const others = CARRIERS.filter((o) => o !== c && fits(table, o, quantity.unitCode));
        return {
          category: c,
          by: decidedBy === 'code' ? (coded?.by ?? 'activity') : 'activity',
          confidence,
          // An unsure carrier's range covers the other carriers the unit allows.
          alternatives:
            confidence < REVIEW_CONFIDENCE
              ? others.map((o) => ({ category: o, p: (1 - confidence) / others.length }))
              : [],
          model: null,
          activity: { carrier: c, decidedBy },
          notes,
        };
      }
  }

  if (coded) {
    // An ISBN/ISSN identifies an item rather than classifying it: text naming another kind of purchase wins,
    // flagged (templates copy such codes onto unrelated lines).
    if (coded.by === 'isbn' && cat.best !== undefined && cat.best !== coded.category && cat.score >= 3)
      return {
        category: cat.best,
        by: 'lexicon',
        confidence: 0.55,
        alternatives: [{ category: coded.category, p: 0.3 }],
        model: null,
        notes: [...notes, `the text says ${cat.best}, the ISBN/ISSN ${coded.code} printed matter`],
      };
    // A classification code sent with the line is the sender's own statement of what it is.
    return { category: coded.category, by: coded.by, confidence: 1, alternatives: [], model: null, notes };
  }

  // Taxes, levies, fees, deposits, rounding, interest, instalments.
  if (ne.best !== undefined && ne.score >= cat.score) {
    const chargeOnCarrier = cat.best !== undefined && isCarrier(cat.best) && CHARGE_KINDS.has(ne.best);
    const sure = ne.score >= 2 && (cat.score === 0 || chargeOnCarrier || ne.score > cat.score);
    return {
      category: NON_EMITTING,
      by: 'lexicon',
      confidence: sure ? (ne.score >= 3 ? 0.95 : 0.85) : 0.45,
      alternatives: [],
      model: null,
      excluded: { kind: ne.best, energyLine: undefined },
      notes: [...notes, `non-emitting ${ne.best.replace('_', ' ')} (${reading.matched.join(', ')})`],
    };
  }
  if (reading.placeholder)
    return {
      category: UNKNOWN,
      by: 'placeholder',
      confidence: 0,
      alternatives: [],
      model: null,
      notes: [...notes, 'the text does not say what was bought: average spend factor, wide range'],
    };

  const nn = context.classifier.classify({
    description: line.detail ? `${line.description} ${line.detail}` : line.description,
    supplier: line.supplier.name,
    unitCode: line.unitCode,
  });
  const supplier = supplierKey(line);
  const history = supplier === undefined ? undefined : context.supplierHistory?.get(supplier);
  const nnP = (c: string) =>
    nn.category === c ? nn.confidence : (nn.alternatives.find((x) => x.category === c)?.p ?? 0);
  if (cat.best !== undefined) {
    // The lexicon's margin, raised when the network, the invoice's other lines or the supplier's history agree.
    let p = cat.score / (cat.score + cat.second + 1);
    p += (1 - p) * 0.5 * nnP(cat.best);
    p += (1 - p) * 0.5 * Math.max(share(doc.categories, cat.best), share(history, cat.best));
    const alternatives: { category: string; p: number }[] = [];
    if (p < REVIEW_CONFIDENCE)
      for (const [c, s] of reading.categories)
        if (c !== cat.best && s > 0) alternatives.push({ category: c, p: s / (cat.score + cat.second + 1) });
    return { category: cat.best, by: 'lexicon', confidence: p, alternatives, model: null, notes };
  }

  // Nothing in the lexicon: the network's guess, pulled towards the invoice's and the supplier's other lines.
  const scores = new Map<string, number>();
  scores.set(nn.category, nn.confidence * 0.5);
  for (const alt of nn.alternatives) scores.set(alt.category, alt.p * 0.5);
  const invoice = dominant(doc.categories);
  if (invoice) scores.set(invoice.category, (scores.get(invoice.category) ?? 0) + 0.6 * invoice.share);
  const own = dominant(history);
  if (own) scores.set(own.category, (scores.get(own.category) ?? 0) + 0.4 * own.share);
  const best = ranked(scores);
  const category = best.best ?? nn.category;
  const byContext = category !== nn.category;
  if (byContext)
    notes.push(
      `the text is not recognised: category of the ${invoice?.category === category ? "invoice's other lines" : "supplier's earlier lines"}`,
    );
  const alternatives = [...scores]
    .filter(([c]) => c !== category)
    .sort((x, y) => y[1] - x[1])
    .slice(0, 4)
    .map(([c, s]) => ({ category: c, p: s }));
  return {
    category,
    by: byContext ? 'context' : 'classifier',
    // Calibration: on real lines the network alone is right far less often than its softmax says (BENCHMARKS.md),
    // so a line the lexicon does not know is never unflagged on the network's word alone.
    confidence: Math.min(REVIEW_CONFIDENCE - 0.01, best.score),
    alternatives,
    model: context.classifier.version,
    notes,
  };
}

const ordered = (a: number, b: number): [number, number] => (a <= b ? [a, b] : [b, a]);

/** Document context of a group of analysed lines of one invoice. */
function documentContext(lines: readonly Analysis[]): DocumentContext {
  const carriers = new Map<Carrier, number>();
  const categories = new Map<string, number>();
  for (const a of lines) {
    for (const [c, s] of carrierScores(a.reading)) carriers.set(c, (carriers.get(c) ?? 0) + s);
    const { best, score, second } = ranked(a.reading.categories);
    if (best !== undefined && score >= 2 && second < score / 2 && ranked(a.reading.nonEmitting).score < score)
      categories.set(best, (categories.get(best) ?? 0) + 1);
  }
  const first = lines[0]?.line;
  const supplierCarrier = first ? ranked(carrierScores(readText(first.supplier.name))).best : undefined;
  return { carriers, supplierCarrier, categories };
}

/**
 * Per invoice: a second line repeating the energy of an earlier one (same carrier, quantity and unit) is the same
 * energy and counts once; charges on energy name the line that carries it.
 */
function linkEnergy(lines: readonly Analysis[]): void {
  const carriersSeen: { a: Analysis; carrier: Carrier; key: string }[] = [];
  for (const a of lines) {
    const d = a.decision as Decision;
    if (!d.activity || !a.quantity) continue;
    const key = `${d.activity.carrier}|${a.quantity.unitCode}|${a.quantity.quantity}`;
    const earlier = carriersSeen.find((s) => s.key === key);
    if (earlier) {
      // An identical line (same text too) is most likely billed twice: not counted twice, and always flagged.
      const identical = earlier.a.line.description === a.line.description;
      a.decision = {
        category: NON_EMITTING,
        by: 'activity',
        confidence: identical ? 0.3 : a.reading.nonEmitting.size > 0 ? 0.85 : 0.5,
        alternatives: [],
        model: null,
        // A tax or levy stated on the same kWh keeps its own kind ("Energiesteuer" is a tax like "Elafgift").
        excluded: {
          kind: identical ? 'same_energy' : (ranked(a.reading.nonEmitting).best ?? 'same_energy'),
          energyLine: earlier.a.line.lineId,
        },
        notes: [
          ...d.notes,
          identical
            ? `identical to line ${earlier.a.line.lineId} (${a.quantity.quantity} ${a.quantity.unitCode}): possibly billed twice; counted once — check with the supplier`
            : `the same ${a.quantity.quantity} ${a.quantity.unitCode} as line ${earlier.a.line.lineId}, which carries the energy: not counted twice`,
        ],
      };
      continue;
    }
    carriersSeen.push({ a, carrier: d.activity.carrier, key });
  }
  for (const a of lines) {
    const d = a.decision as Decision;
    if (!d.excluded || d.excluded.energyLine !== undefined || carriersSeen.length === 0) continue;
    if (!ENERGY_CHARGE_KINDS.has(d.excluded.kind as NonEmittingKind)) continue;
    const named = ranked(carrierScores(a.reading)).best;
    const same =
      (a.quantity && carriersSeen.find((s) => s.a.quantity?.quantity === a.quantity?.quantity)) ??
      carriersSeen.find((s) => s.carrier === named) ??
      (named === undefined ? carriersSeen[0] : undefined);
    if (same) d.excluded.energyLine = same.a.line.lineId;
  }
}

function build(a: Analysis, d: Decision, context: EstimateContext): LineEstimate {
  const { table } = context;
  const { line } = a;
  const notes = [...d.notes];
  let chosen: Method;
  let range: [number, number] | null = null;
  let kgAtStake = 0;
  if (d.excluded) {
    const spend = spendMethod(table, '', line);
    chosen = {
      method: 'excluded',
      kg: 0,
      multipliers: [1, 1],
      scope: 3,
      factor: {
        key: `excluded:${d.excluded.kind}`,
        value: 0,
        unit: 'kg CO2e',
        source:
          'non-emitting: a payment that is not a purchase of goods or services (or energy counted on another line)',
        year: table.priceYear,
        status: 'source-checked',
        tableVersion: table.version,
      },
      basis: spend.basis,
      note: undefined,
    };
    range = [0, 0];
    // At stake when unsure: what the line would weigh as an average purchase.
    if (d.confidence < REVIEW_CONFIDENCE && spend.kg !== null) kgAtStake = Math.abs(spend.kg);
  } else {
    chosen = methodFor(table, d.category, line, a.quantity ?? invoicedQuantity(line));
    if (chosen.note) notes.push(chosen.note);
    if (chosen.kg !== null) {
      range = ordered(chosen.kg * chosen.multipliers[0], chosen.kg * chosen.multipliers[1]);
      for (const alt of d.alternatives) {
        if (!table.categories[alt.category]) continue;
        const other = methodFor(table, alt.category, line, a.quantity);
        if (other.kg === null) continue;
        const [low, high] = ordered(other.kg * other.multipliers[0], other.kg * other.multipliers[1]);
        range = [Math.min(range[0], low), Math.max(range[1], high)];
      }
      kgAtStake = range[1] - range[0];
    }
  }
  const review = d.confidence < REVIEW_CONFIDENCE || chosen.kg === null;
  if (d.confidence < REVIEW_CONFIDENCE && d.by !== 'placeholder')
    notes.push(
      `confidence ${(d.confidence * 100).toFixed(0)} % is below ${REVIEW_CONFIDENCE * 100} %: check the category`,
    );
  const name = table.categories[d.category]?.da ?? NAMES[d.category] ?? d.category;
  // Fields listed rather than `...line`: the spread form measured a quarter slower with twice the peak memory
  // (npm run bench:co2: 13,800 against 18,400 lines/s, 760 against 400 MB).
  const estimate: LineEstimate = {
    file: line.file,
    sourceLine: line.sourceLine,
    format: line.format,
    documentId: line.documentId,
    documentType: line.documentType,
    issueDate: line.issueDate,
    supplier: line.supplier,
    lineId: line.lineId,
    description: line.description,
    quantity: line.quantity,
    unitCode: line.unitCode,
    amount: line.amount,
    currency: line.currency,
    unspsc: line.unspsc,
    id: a.id,
    version: line.version,
    month: line.issueDate.slice(0, 7),
    category: d.category,
    categoryName: name,
    classification: { by: d.by, confidence: d.confidence, model: d.model, alternatives: d.alternatives },
    method: chosen.method,
    factor: chosen.factor,
    basis: chosen.basis,
    kgCo2e: chosen.kg,
    range,
    scope: chosen.scope,
    review,
    kgAtStake,
    activity: d.activity ?? null,
    excluded: d.excluded ? { kind: d.excluded.kind, energyLine: d.excluded.energyLine ?? null } : null,
    notes,
  };
  if (line.codes) estimate.codes = line.codes;
  if (line.detail) estimate.detail = line.detail;
  return estimate;
}

/**
 * What each supplier sold, from lines a reviewer, a code or the lexicon settled: category → lines, by supplierKey.
 * The prior for lines of the same supplier that the text does not settle ("a supplier that sold cleaning last month
 * probably still does").
 */
export function supplierHistory(
  lines: readonly (InvoiceLine & { version?: number })[],
  context: Omit<EstimateContext, 'supplierHistory'>,
): SupplierHistory {
  return historyOf(lines.map(analyse), context);
}

function historyOf(
  analysed: readonly Analysis[],
  context: Omit<EstimateContext, 'supplierHistory'>,
): SupplierHistory {
  const history = new Map<string, Map<string, number>>();
  for (const { line, id, reading } of analysed) {
    const key = supplierKey(line);
    if (key === undefined) continue;
    let category =
      context.reviews?.byLine.get(id) ??
      context.reviews?.byText.get(recurringLineKey(line.supplier.name, line.description)) ??
      categoryForCodes(context.table, line.unspsc, line.codes)?.category;
    if (category === undefined) {
      const { best, score, second } = ranked(reading.categories);
      if (best !== undefined && score >= 2 && second < score / 2 && ranked(reading.nonEmitting).score < score)
        category = best;
    }
    if (category === undefined || category === NON_EMITTING) continue;
    const m = history.get(key) ?? new Map<string, number>();
    m.set(category, (m.get(category) ?? 0) + 1);
    history.set(key, m);
  }
  return history;
}

/**
 * Estimates lines: each line's category (review of the line or of the same recurring line, else a classification
 * code, else activity data, non-emitting wording, the multilingual lexicon, and last the text classifier pulled
 * towards the invoice's other lines and the supplier's history), its method tier, factor with provenance, kg CO₂e,
 * scope and 90 % range. Lines of one invoice are read together: the carrier of an energy quantity can be named on
 * another line, and the same energy is counted once.
 */
export function estimateLines(
  lines: readonly (InvoiceLine & { version?: number })[],
  context: EstimateContext,
): LineEstimate[] {
  const withHistory = context.supplierHistory
    ? context
    : { ...context, supplierHistory: supplierHistory(lines, context) };
  const analysed = lines.map(analyse);
  const documents = new Map<string, Analysis[]>();
  for (const a of analysed) {
    const key = `${a.line.file}\u0000${a.line.documentType}\u0000${a.line.documentId}`;
    const list = documents.get(key);
    if (list) list.push(a);
    else documents.set(key, [a]);
  }
  for (const group of documents.values()) {
    const doc = documentContext(group);
    for (const a of group) a.decision = decide(a, doc, withHistory);
    linkEnergy(group);
  }
  return analysed.map((a) => build(a, a.decision as Decision, withHistory));
}

/** One line estimated on its own (no other lines of its invoice to read): prefer estimateLines. */
export function estimateLine(
  line: InvoiceLine & { version?: number },
  context: EstimateContext,
): LineEstimate {
  return estimateLines([line], context)[0] as LineEstimate;
}

export interface TotalEntry {
  kgCo2e: number;
  /**
   * 90 % range: lines sharing a factor move together (their ranges add), different factors are independent
   * log-normals combined by moment matching, so a sum of non-negative lines never has a negative bound; credit
   * notes subtract.
   */
  low: number;
  high: number;
  lines: number;
}

export interface EstimateTotals extends TotalEntry {
  /** Lines flagged for review, and lines without an estimate (no exchange rate). */
  reviewLines: number;
  unestimatedLines: number;
  /** Share of all lines flagged for review. */
  flaggedShare: number;
  byScope: Record<string, TotalEntry>;
  byCategory: Record<string, TotalEntry>;
  bySupplier: Record<string, TotalEntry>;
  byMonth: Record<string, TotalEntry>;
  byMethod: Record<string, TotalEntry>;
  /** Non-emitting lines (0 kg): how many and how much money, by kind (tax, levy, fee, deposit, …). */
  nonEmitting: { lines: number; dkk: number; byKind: Record<string, { lines: number; dkk: number }> };
}

const rangedOf = (e: LineEstimate): RangedAmount => ({
  kg: e.kgCo2e as number,
  low: (e.range as [number, number])[0],
  high: (e.range as [number, number])[1],
  group: e.factor.key,
});

function entryOf(items: RangedAmount[]): TotalEntry {
  const { kg, low, high } = combineRanges(items);
  return { kgCo2e: kg, low, high, lines: items.length };
}

/** Totals by scope, category, supplier, month and method; keys sorted so the document is reproducible. */
export function estimateTotals(estimates: readonly LineEstimate[]): EstimateTotals {
  const all: RangedAmount[] = [];
  const groups = {
    byScope: new Map<string, RangedAmount[]>(),
    byCategory: new Map<string, RangedAmount[]>(),
    bySupplier: new Map<string, RangedAmount[]>(),
    byMonth: new Map<string, RangedAmount[]>(),
    byMethod: new Map<string, RangedAmount[]>(),
  };
  let reviewLines = 0;
  let unestimatedLines = 0;
  const nonEmitting: EstimateTotals['nonEmitting'] = { lines: 0, dkk: 0, byKind: {} };
  for (const e of estimates) {
    if (e.review) reviewLines++;
    if (e.method === 'excluded') {
      const dkk = e.basis && 'dkk' in e.basis ? e.basis.dkk : 0;
      const kind = e.excluded?.kind ?? 'other';
      nonEmitting.lines++;
      nonEmitting.dkk += dkk;
      const k = (nonEmitting.byKind[kind] ??= { lines: 0, dkk: 0 });
      k.lines++;
      k.dkk += dkk;
      continue;
    }
    if (e.kgCo2e === null) {
      unestimatedLines++;
      continue;
    }
    const item = rangedOf(e);
    all.push(item);
    const keys: [keyof typeof groups, string][] = [
      ['byScope', String(e.scope)],
      ['byCategory', e.category],
      ['bySupplier', e.supplier.name],
      ['byMonth', e.month],
      ['byMethod', e.method],
    ];
    for (const [group, key] of keys) {
      const map = groups[group];
      const list = map.get(key);
      if (list) list.push(item);
      else map.set(key, [item]);
    }
  }
  const sorted = (m: Map<string, RangedAmount[]>) =>
    Object.fromEntries(
      [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, items]) => [k, entryOf(items)]),
    );
  nonEmitting.byKind = Object.fromEntries(
    Object.entries(nonEmitting.byKind).sort(([a], [b]) => (a < b ? -1 : 1)),
  );
  return {
    ...entryOf(all),
    reviewLines,
    unestimatedLines,
    flaggedShare: estimates.length === 0 ? 0 : reviewLines / estimates.length,
    byScope: sorted(groups.byScope),
    byCategory: sorted(groups.byCategory),
    bySupplier: sorted(groups.bySupplier),
    byMonth: sorted(groups.byMonth),
    byMethod: sorted(groups.byMethod),
    nonEmitting,
  };
}

/** The lines flagged for review, the most kg CO₂e at stake first (then by file and line, for a stable order). */
export function reviewQueue(estimates: readonly LineEstimate[]): LineEstimate[] {
  return estimates
    .filter((e) => e.review)
    .sort(
      (a, b) =>
        b.kgAtStake - a.kgAtStake ||
        (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
        (a.lineId < b.lineId ? -1 : 1),
    );
}
