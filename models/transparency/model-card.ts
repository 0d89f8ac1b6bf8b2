/**
 * One model card format for every model greenops runs (Mitchell et al. 2019, "Model Cards for Model Reporting"),
 * holding what the EU AI Act Art. 13 asks instructions for use to state (purpose, accuracy, risks, input data, how to
 * read outputs, human oversight, compute and logging) and what the algorithm registers ask (the Dutch standard, UK
 * ATRS, KL's AI-landkort). Texts a citizen reads are in Danish and English; the register exports and the
 * transparency page are generated from these cards, never typed twice.
 */
// 2: input names, legal bases and the model type are bilingual (citizens read them in Danish); contact may be null.
export const MODEL_CARD_FORMAT = 'greenops-model-card/2';

export interface Bilingual {
  da: string;
  en: string;
}

/** Longest register summary (the Dutch algorithm register's short description). */
export const SUMMARY_MAX_CHARS = 150;

export type ModelStatus = 'in-use' | 'pilot' | 'not-trained' | 'retired';

/** EU AI Act: `not-ai` (statistics or fixed rules outside the Art. 3(1) definition), `minimal`, `limited`, `high`. */
export type AiActClass = 'not-ai' | 'minimal' | 'limited' | 'high';

export interface CardInput {
  /** Shown to citizens on the page and in the AI-landkort export. */
  name: Bilingual;
  /** Detail for the registers' technical fields (English). */
  description: string;
  personalData: boolean;
  /** GDPR Art. 6 basis (and Art. 9 where relevant), or why none is needed. */
  legalBasis: Bilingual;
}

/** The version of a model that has none yet (not trained, or no output that names one). */
export const NO_VERSION = 'none';

export interface EvaluationEntry {
  /** Real data first (the developers' guide); generated data only beside it. */
  data: 'real' | 'generated' | 'tenant';
  dataset: string;
  metrics: { name: string; value: number | string; unit?: string }[];
  /** How to reproduce it (a command) or where it was recorded. */
  source: string;
  measuredAt: string | undefined;
}

export interface GroupPerformance {
  /** What a group is for this model (a meter, a category, a counter series). */
  factor: string;
  groups: { group: string; metrics: Record<string, number | string | boolean | null> }[];
  /** Groups left out of the list to keep the card small. */
  more: number;
}

export interface FootprintSummary {
  method: string;
  gridKgCo2ePerKwh: number;
  gridFactorSource: string;
  /** The training of this version (or the latest), when it was measured in a greenops process. */
  training:
    | { kwh: number; co2eKg: number; cpuSeconds: number; wallSeconds: number; at: string; method: string }
    | undefined;
  /** Inference served by the API, per UTC day (newest first). */
  inferencePerDay: { day: string; calls: number; kwh: number; co2eKg: number }[];
}

export interface OversightSummary {
  /** Outputs a person could check; null when the model's outputs are computed on request and not counted. */
  outputs: number | null;
  checked: number;
  overturned: number;
  checkedShare: number | null;
  overturnedShare: number | null;
  /** Where the decisions are read in full. */
  records: string;
}

export interface ModelCard {
  format: typeof MODEL_CARD_FORMAT;
  id: string;
  name: Bilingual;
  version: string;
  status: ModelStatus;
  tenant: string;
  /** KL's fagområde / the registers' domain. */
  domain: Bilingual;
  summary: Bilingual;
  purpose: Bilingual;
  /** Who uses the output inside the municipality. */
  users: string[];
  modelType: Bilingual;
  outputs: { description: string; howToRead: string; labelled: string };
  inputs: CardInput[];
  /** Data the model does not use, stated for citizens. */
  notUsed: Bilingual[];
  training: { data: string; period: { from: string; until: string } | undefined; personalData: boolean };
  evaluation: EvaluationEntry[];
  performanceByGroup: GroupPerformance | undefined;
  limitations: string[];
  ethicalConsiderations: string[];
  aiAct: { class: AiActClass; reasoning: string; article50: string };
  humanOversight: { measures: string[]; whoDecides: Bilingual; oversight: OversightSummary | undefined };
  retraining: string;
  compute: string;
  logging: string;
  energy: FootprintSummary | undefined;
  references: { id: string; relation: string }[];
  /** GREENOPS_TRANSPARENCY_CONTACT (an e-mail address or URL); null when not configured. */
  contact: string | null;
}

/** Problems of a card that would make a register export wrong; empty when it is fit to publish. */
export function cardProblems(card: ModelCard): string[] {
  const problems: string[] = [];
  for (const lang of ['da', 'en'] as const) {
    if ([...card.summary[lang]].length > SUMMARY_MAX_CHARS)
      problems.push(`${card.id}: summary.${lang} is longer than ${SUMMARY_MAX_CHARS} characters`);
    if (!card.name[lang].trim()) problems.push(`${card.id}: name.${lang} is empty`);
    if (!card.purpose[lang].trim()) problems.push(`${card.id}: purpose.${lang} is empty`);
  }
  for (const i of card.inputs)
    for (const lang of ['da', 'en'] as const) {
      if (!i.name[lang].trim()) problems.push(`${card.id}: an input has no name.${lang}`);
      if (!i.legalBasis[lang].trim()) problems.push(`${card.id}: ${i.name.en} has no legalBasis.${lang}`);
    }
  for (const lang of ['da', 'en'] as const)
    if (!card.modelType[lang].trim()) problems.push(`${card.id}: modelType.${lang} is empty`);
  if (!card.aiAct.reasoning.trim()) problems.push(`${card.id}: no AI Act reasoning`);
  const firstGenerated = card.evaluation.findIndex((e) => e.data === 'generated');
  const lastReal = card.evaluation.map((e) => e.data).lastIndexOf('real');
  if (firstGenerated >= 0 && lastReal > firstGenerated)
    problems.push(`${card.id}: evaluation lists generated data before real data`);
  return problems;
}
