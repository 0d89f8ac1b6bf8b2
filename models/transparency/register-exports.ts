import type { ModelCard, ModelStatus } from './model-card.js';

export const EXPORT_FORMATS = ['ai-landkort', 'nl-register', 'atrs'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportContext {
  organisation: string;
  contact: string;
  generatedAt: string;
}

const LANDKORT_STATUS: Record<ModelStatus, string> = {
  'in-use': 'I drift',
  pilot: 'Afprøvning',
  'not-trained': 'Under udvikling',
  retired: 'Afsluttet',
};

const NL_STATUS: Record<ModelStatus, string> = {
  'in-use': 'In gebruik',
  pilot: 'In ontwikkeling',
  'not-trained': 'In ontwikkeling',
  retired: 'Buiten gebruik',
};

const evaluationText = (card: ModelCard) =>
  card.evaluation
    .map(
      (e) =>
        `${e.data === 'real' ? 'Real data' : e.data === 'tenant' ? 'Own data' : 'Generated data'} — ${e.dataset}: ${e.metrics
          .map((m) => `${m.name} ${m.value}${m.unit ?? ''}`)
          .join(', ')} (${e.source})`,
    )
    .join('\n');

const oversightText = (card: ModelCard) => {
  const o = card.humanOversight.oversight;
  const share =
    o && o.checkedShare !== null
      ? ` ${(o.checkedShare * 100).toFixed(1)} % of outputs checked by a person, ${((o.overturnedShare ?? 0) * 100).toFixed(1)} % of those overturned.`
      : o
        ? ` ${o.checked} outputs checked by a person, ${o.overturned} overturned.`
        : '';
  return `${card.humanOversight.measures.join(' ')}${share}`;
};

const energyText = (card: ModelCard) => {
  const t = card.energy?.training;
  return t
    ? `Last training: ${t.kwh.toFixed(4)} kWh, ${t.co2eKg.toFixed(4)} kg CO2e (${card.energy?.method}).`
    : 'No training measured yet.';
};

/** KL's AI-landkort: one entry per model, by title, description, municipality, fagområde and status (Danish). */
function aiLandkort(cards: readonly ModelCard[], ctx: ExportContext) {
  return {
    format: 'ai-landkort',
    generatedAt: ctx.generatedAt,
    projekter: cards.map((c) => ({
      titel: c.name.da,
      beskrivelse: `${c.summary.da} ${c.purpose.da}`,
      kommune: ctx.organisation,
      fagomraade: c.domain.da,
      status: LANDKORT_STATUS[c.status],
      teknologi: c.modelType,
      data: c.inputs.map((i) => i.name).join(', '),
      menneskeligKontrol: c.humanOversight.whoDecides.da,
      kontakt: ctx.contact,
      version: c.version,
    })),
  };
}

/** The Dutch algorithm register's publication standard: attribute names as the standard spells them. */
function nlRegister(cards: readonly ModelCard[], ctx: ExportContext) {
  return {
    format: 'nl-register',
    generatedAt: ctx.generatedAt,
    algorithms: cards.map((c) => ({
      name: c.name.en,
      organization: ctx.organisation,
      department: c.users.join(', '),
      description_short: c.summary.en,
      type: c.modelType,
      category: c.domain.en,
      status: NL_STATUS[c.status],
      goal_and_impact: c.purpose.en,
      considerations: c.ethicalConsiderations.join(' '),
      human_intervention: oversightText(c),
      risk_management: c.limitations.join(' '),
      legal_basis: [...new Set(c.inputs.map((i) => i.legalBasis))].join(' '),
      impacttoetsen: `EU AI Act class: ${c.aiAct.class}. ${c.aiAct.reasoning}`,
      procedure_complaints: `Questions and complaints: ${ctx.contact}.`,
      source_data: c.inputs.map((i) => `${i.name}: ${i.description}`).join(' '),
      methods_and_models: `${c.modelType} Training: ${c.training.data}`,
      monitoring: `${evaluationText(c)}\nRetraining: ${c.retraining}`,
      performance_standard:
        c.evaluation[0]?.metrics.map((m) => `${m.name} ${m.value}${m.unit ?? ''}`).join(', ') ?? '',
      publication_category: c.aiAct.class === 'high' ? 'high_risk_ai_system' : 'other_algorithms',
      contact_email: ctx.contact,
      lang: 'en',
      energy_use: energyText(c),
      version: c.version,
    })),
  };
}

/** The UK Algorithmic Transparency Recording Standard: tier 1 (public overview) and tier 2 (detail). */
function atrs(cards: readonly ModelCard[], ctx: ExportContext) {
  return {
    format: 'atrs',
    generatedAt: ctx.generatedAt,
    records: cards.map((c) => ({
      tier_1: {
        name: c.name.en,
        description: `${c.summary.en} ${c.purpose.en}`,
        website: `/transparency/en#${c.id}`,
        contact_email: ctx.contact,
      },
      tier_2: {
        owner_and_responsibility: {
          organisation: ctx.organisation,
          team: c.users.join(', '),
          third_party_involvement:
            c.id === 'road-damage-detector'
              ? 'The detector is supplied and trained by a third party.'
              : 'None: built and run in greenops.',
        },
        description_and_rationale: {
          detailed_description: c.purpose.en,
          scope: c.outputs.description,
          benefits: c.purpose.en,
          alternatives_considered:
            c.references.map((r) => `${r.id} (${r.relation})`).join(', ') || 'None recorded.',
        },
        decision_making_process: {
          process_integration: c.outputs.howToRead,
          provided_information: c.outputs.labelled,
          human_decisions_and_review: oversightText(c),
          appeals_and_review: `Questions and complaints: ${ctx.contact}.`,
        },
        data: {
          source_data: c.inputs.map((i) => ({
            name: i.name,
            description: i.description,
            personal_data: i.personalData,
            legal_basis: i.legalBasis,
          })),
          data_not_used: c.notUsed.map((n) => n.en),
          training_data: c.training.data,
        },
        technical_specification: {
          model_type: c.modelType,
          version: c.version,
          phase: c.status,
          maintenance: c.retraining,
          performance: evaluationText(c),
          compute: c.compute,
          energy_use: energyText(c),
        },
        risks: {
          ai_act_classification: c.aiAct.class,
          reasoning: c.aiAct.reasoning,
          risks: c.limitations.map((l) => ({ risk: l })),
          ethical_considerations: c.ethicalConsiderations,
        },
      },
    })),
  };
}

/** A register's document, filled from the cards, so a municipality publishes without retyping. */
export function registerExport(
  format: ExportFormat,
  cards: readonly ModelCard[],
  ctx: ExportContext,
): unknown {
  switch (format) {
    case 'ai-landkort':
      return aiLandkort(cards, ctx);
    case 'nl-register':
      return nlRegister(cards, ctx);
    case 'atrs':
      return atrs(cards, ctx);
  }
}

export function isExportFormat(text: string): text is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(text);
}
