import { isEmailAddress } from '../../core/index.js';
import type { ModelCard, ModelStatus } from './model-card.js';
import { counted, versionText } from './wording.js';

export const EXPORT_FORMATS = ['ai-landkort', 'nl-register', 'atrs'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportContext {
  tenant: string;
  /** GREENOPS_ORGANISATION, else the tenant (TransparencyService.organisationFor). */
  organisation: string;
  organisationConfigured: boolean;
  /** GREENOPS_DEPARTMENT: the department responsible (NL `department`, ATRS `team`); undefined when unset. */
  department?: string | undefined;
  /** GREENOPS_TRANSPARENCY_CONTACT: an e-mail address or a URL (validated at start-up); undefined when unset. */
  contact: string | undefined;
  /** GREENOPS_PUBLIC_URL without a trailing slash. */
  publicUrl: string | undefined;
  generatedAt: string;
}

/**
 * What is missing before a document can be published, in the document's language: an unset organisation, contact
 * or public URL leaves a field empty (never a placeholder a register would publish as an address).
 */
function warnings(ctx: ExportContext, lang: 'da' | 'en', needsPublicUrl: boolean): string[] {
  const out: string[] = [];
  if (!ctx.organisationConfigured)
    out.push(
      lang === 'da'
        ? `GREENOPS_ORGANISATION er ikke sat: kommunen står som "${ctx.tenant}"; sæt kommunens navn.`
        : `GREENOPS_ORGANISATION is not set: the organisation is given as "${ctx.tenant}"; set the municipality's name.`,
    );
  if (ctx.department === undefined)
    out.push(
      lang === 'da'
        ? 'GREENOPS_DEPARTMENT er ikke sat: den ansvarlige afdeling er tom; sæt forvaltningens navn.'
        : 'GREENOPS_DEPARTMENT is not set: department (NL) and team (ATRS) are empty; set the responsible department.',
    );
  if (ctx.contact === undefined)
    out.push(
      lang === 'da'
        ? 'GREENOPS_TRANSPARENCY_CONTACT er ikke sat: kontakt er tom; sæt databeskyttelsesrådgiverens e-mailadresse.'
        : "GREENOPS_TRANSPARENCY_CONTACT is not set: contact_email is empty; set the data protection officer's e-mail address.",
    );
  else if (lang === 'en' && !isEmailAddress(ctx.contact))
    out.push(
      'GREENOPS_TRANSPARENCY_CONTACT is a web address: contact_email is empty and the address is given as contact_url.',
    );
  if (needsPublicUrl && ctx.publicUrl === undefined)
    out.push(
      "GREENOPS_PUBLIC_URL is not set: tier_1.website is left out; set greenops' public address (https://…) to link each record to its section of /transparency/en.",
    );
  return out;
}

const emailOf = (ctx: ExportContext) =>
  ctx.contact !== undefined && isEmailAddress(ctx.contact) ? ctx.contact : '';
const urlOf = (ctx: ExportContext) =>
  ctx.contact !== undefined && !isEmailAddress(ctx.contact) ? ctx.contact : undefined;
const complaints = (ctx: ExportContext) =>
  ctx.contact === undefined
    ? // No placeholder for an unset contact: the warnings say to set it.
      'Complaints to the Danish Data Protection Agency (www.datatilsynet.dk).'
    : `Questions and complaints: ${ctx.contact}; complaints also to the Danish Data Protection Agency (www.datatilsynet.dk).`;

const NO_EVALUATION = 'No evaluation recorded yet.';

/**
 * The impact assessments' status (the Dutch register's `impacttoetsen`): a DPIA (GDPR Art. 35) where personal data
 * are processed, which the municipality carries out and greenops does not record; none needed where there are none.
 */
function impactAssessments(card: ModelCard): string {
  const personal = card.inputs.filter((i) => i.personalData).map((i) => i.name.en);
  return personal.length === 0
    ? 'DPIA (GDPR Art. 35): not required, no personal data are processed. No other impact assessment (e.g. IAMA) is recorded.'
    : `DPIA (GDPR Art. 35): personal data are processed (${personal.join(', ')}); the municipality assesses whether a DPIA is required and records it. No DPIA or other impact assessment is recorded in greenops.`;
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

// The evaluation's source (a command, a file, a route) is for developers and stays on the card; a register is public.
const evaluationText = (card: ModelCard) =>
  card.evaluation
    .map(
      (e) =>
        `${e.data === 'real' ? 'Real data' : e.data === 'tenant' ? 'Own data' : 'Generated data'} — ${e.dataset}: ${e.metrics
          .map((m) => `${m.name} ${m.value}${m.unit ?? ''}`)
          .join(', ')}`,
    )
    .join('\n');

const oversightText = (card: ModelCard) => {
  const o = card.humanOversight.oversight;
  const overturned =
    o?.overturnedShare == null ? 'not applicable' : `${(o.overturnedShare * 100).toFixed(1)} %`;
  const share =
    o && o.checkedShare !== null
      ? ` ${(o.checkedShare * 100).toFixed(1)} % of outputs checked by a person; share of those overturned: ${overturned}.`
      : o
        ? ` ${counted(o.checked, 'output', 'outputs')} checked by a person, ${o.overturned} overturned.`
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
    advarsler: exportWarnings('ai-landkort', ctx),
    // The AI-landkort lists AI projects: statistics and fixed rules the cards class as not AI stay off it.
    projekter: cards
      .filter((c) => c.aiAct.class !== 'not-ai')
      .map((c) => ({
        titel: c.name.da,
        beskrivelse: `${c.summary.da} ${c.purpose.da}`,
        kommune: ctx.organisation,
        fagomraade: c.domain.da,
        status: LANDKORT_STATUS[c.status],
        teknologi: c.modelType.da,
        data: c.inputs.map((i) => i.name.da).join(', '),
        retsgrundlag: [...new Set(c.inputs.map((i) => i.legalBasis.da))].join(' '),
        menneskeligKontrol: c.humanOversight.whoDecides.da,
        kontakt: ctx.contact ?? '',
        version: versionText(c, 'da'),
      })),
  };
}

/** The Dutch algorithm register's publication standard: attribute names as the standard spells them. */
function nlRegister(cards: readonly ModelCard[], ctx: ExportContext) {
  return {
    format: 'nl-register',
    generatedAt: ctx.generatedAt,
    warnings: exportWarnings('nl-register', ctx),
    algorithms: cards.map((c) => ({
      name: c.name.en,
      organization: ctx.organisation,
      department: ctx.department ?? '',
      description_short: c.summary.en,
      type: c.modelType.en,
      category: c.domain.en,
      status: NL_STATUS[c.status],
      goal_and_impact: c.purpose.en,
      considerations: c.ethicalConsiderations.join(' '),
      human_intervention: oversightText(c),
      risk_management: c.limitations.join(' '),
      legal_basis: [...new Set(c.inputs.map((i) => i.legalBasis.en))].join(' '),
      impacttoetsen: impactAssessments(c),
      procedure_complaints: complaints(ctx),
      source_data: c.inputs.map((i) => `${i.name.en}: ${i.description}`).join(' '),
      methods_and_models: `${c.modelType.en} Training: ${c.training.data}`,
      monitoring: `${evaluationText(c) || NO_EVALUATION}\nRetraining: ${c.retraining}`,
      performance_standard:
        c.evaluation[0]?.metrics.map((m) => `${m.name} ${m.value}${m.unit ?? ''}`).join(', ') ||
        NO_EVALUATION,
      publication_category: c.aiAct.class === 'high' ? 'high_risk_ai_system' : 'other_algorithms',
      contact_email: emailOf(ctx),
      ...(urlOf(ctx) === undefined ? {} : { contact_url: urlOf(ctx) }),
      lang: 'en',
      energy_use: energyText(c),
      version: versionText(c, 'en'),
    })),
  };
}

/** The UK Algorithmic Transparency Recording Standard: tier 1 (public overview) and tier 2 (detail). */
function atrs(cards: readonly ModelCard[], ctx: ExportContext) {
  return {
    format: 'atrs',
    generatedAt: ctx.generatedAt,
    warnings: exportWarnings('atrs', ctx),
    records: cards.map((c) => ({
      tier_1: {
        name: c.name.en,
        description: `${c.summary.en} ${c.purpose.en}`,
        // ATRS asks for a URL a reader can follow: absolute, or left out (the warnings say what to set).
        ...(ctx.publicUrl === undefined
          ? {}
          : {
              website: `${ctx.publicUrl}/transparency/en?tenant=${encodeURIComponent(ctx.tenant)}#${c.id}`,
            }),
        contact_email: emailOf(ctx),
        ...(urlOf(ctx) === undefined ? {} : { contact_url: urlOf(ctx) }),
      },
      tier_2: {
        owner_and_responsibility: {
          organisation: ctx.organisation,
          team: ctx.department ?? '',
          third_party_involvement:
            c.id === 'road-damage-detector'
              ? 'The detector is supplied and trained by a third party.'
              : 'None: built and run in greenops.',
        },
        description_and_rationale: {
          detailed_description: c.purpose.en,
          scope: c.outputs.description,
          benefits: c.summary.en,
          alternatives_considered:
            c.references.map((r) => `${r.id} (${r.relation})`).join(', ') || 'None recorded.',
        },
        decision_making_process: {
          // How an output enters a decision: a person decides, the model advises.
          process_integration: c.humanOversight.whoDecides.en,
          provided_information: `${c.outputs.labelled} ${c.outputs.howToRead}`,
          human_decisions_and_review: oversightText(c),
          appeals_and_review: complaints(ctx),
        },
        data: {
          source_data: c.inputs.map((i) => ({
            name: i.name.en,
            description: i.description,
            personal_data: i.personalData,
            legal_basis: i.legalBasis.en,
          })),
          data_not_used: c.notUsed.map((n) => n.en),
          training_data: c.training.data,
        },
        technical_specification: {
          model_type: c.modelType.en,
          version: versionText(c, 'en'),
          phase: c.status,
          maintenance: c.retraining,
          performance: evaluationText(c) || NO_EVALUATION,
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

/** What the operator must configure before publishing `format` (in the document's language); empty when ready. */
export function exportWarnings(format: ExportFormat, ctx: ExportContext): string[] {
  return warnings(ctx, format === 'ai-landkort' ? 'da' : 'en', format === 'atrs');
}

export function isExportFormat(text: string): text is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(text);
}
