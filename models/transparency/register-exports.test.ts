import { describe, expect, it } from 'vitest';
import { retentionRules } from '../../core/index.js';
import { exportWarnings, registerExport } from './register-exports.js';
import { TransparencyService } from './transparency-service.js';

type Atrs = {
  warnings: string[];
  records: { tier_1: { website?: string; contact_email: string; contact_url?: string } }[];
};
type Nl = { warnings: string[]; algorithms: { organization: string; contact_email: string }[] };

async function exportOf(format: 'atrs' | 'nl-register', options: { contact?: string; publicUrl?: string }) {
  const svc = new TransparencyService({
    grid: { kgPerKwh: 0.12, source: 'test' },
    organisation: undefined,
    contact: options.contact,
    publicUrl: options.publicUrl,
    retention: retentionRules(),
  });
  const ctx = svc.exportContext('aarhus', '2026-12-02T12:00:00Z');
  return {
    doc: registerExport(format, await svc.cards('aarhus'), ctx),
    warnings: exportWarnings(format, ctx),
  };
}

describe('register exports', () => {
  it('links each ATRS record to its absolute public page, or leaves the website out and says what to set', async () => {
    const set = (await exportOf('atrs', { publicUrl: 'https://greenops.aarhus.example' })).doc as Atrs;
    expect(set.records[0]?.tier_1.website).toBe(
      'https://greenops.aarhus.example/transparency/en?tenant=aarhus#energy-forecaster',
    );
    expect(set.warnings.join(' ')).not.toContain('GREENOPS_PUBLIC_URL');
    const unset = (await exportOf('atrs', {})).doc as Atrs;
    expect(unset.records.every((r) => !('website' in r.tier_1))).toBe(true);
    expect(unset.warnings.join(' ')).toContain('GREENOPS_PUBLIC_URL is not set');
  });

  it('puts only an e-mail address into contact_email: empty with a warning when none is configured', async () => {
    const none = await exportOf('nl-register', {});
    const doc = none.doc as Nl;
    expect(doc.algorithms.every((a) => a.contact_email === '')).toBe(true);
    // One organisation default, the tenant, on the page and in every export.
    expect(doc.algorithms[0]?.organization).toBe('aarhus');
    expect(none.warnings).toEqual([
      'GREENOPS_ORGANISATION is not set: the organisation is given as "aarhus"; set the municipality\'s name.',
      'GREENOPS_DEPARTMENT is not set: department (NL) and team (ATRS) are empty; set the responsible department.',
      "GREENOPS_TRANSPARENCY_CONTACT is not set: contact_email is empty; set the data protection officer's e-mail address.",
    ]);
    expect(doc.warnings).toEqual(none.warnings);

    const email = (await exportOf('nl-register', { contact: 'dpo@aarhus.example' })).doc as Nl;
    expect(email.algorithms[0]?.contact_email).toBe('dpo@aarhus.example');

    const web = (await exportOf('atrs', { contact: 'https://aarhus.example/dpo' })).doc as Atrs;
    expect(web.records[0]?.tier_1).toMatchObject({
      contact_email: '',
      contact_url: 'https://aarhus.example/dpo',
    });
  });
});

describe('cards say what is true of each model', () => {
  const svc = () =>
    new TransparencyService({
      grid: { kgPerKwh: 0.12, source: 'test' },
      organisation: 'Aarhus Kommune',
      contact: undefined,
      retention: retentionRules(),
    });

  it('gives the seasonal rule only last week’s readings as input and no training, TOWT its own schedule', async () => {
    const s = svc();
    const naive = await s.card('aarhus', 'energy-seasonal-naive');
    expect(naive.inputs.map((i) => i.name.en)).toEqual(['hourly meter readings']);
    expect(naive.retraining).toMatch(/^Never/);
    const towt = await s.card('aarhus', 'energy-towt');
    const neural = await s.card('aarhus', 'energy-forecaster');
    expect(towt.retraining).not.toBe(neural.retraining);
    expect(towt.inputs.map((i) => i.name.en)).not.toContain('Danish public holidays');
    const nl = registerExport('nl-register', [naive], s.exportContext('aarhus', 'now')) as {
      algorithms: { monitoring: string }[];
    };
    expect(nl.algorithms[0]?.monitoring).not.toContain('Retrained');
  });

  it('says in Danish that the road detector sends a bounding box, never the image', async () => {
    const road = await svc().card('aarhus', 'road-damage-detector');
    expect(road.modelType.da).toContain('afgrænsningsboks');
    expect(road.modelType.da).not.toContain('udsnit af billedet');
  });

  it('lists only AI models on the AI-landkort', async () => {
    const s = svc();
    const cards = await s.cards('aarhus');
    const doc = registerExport('ai-landkort', cards, s.exportContext('aarhus', 'now')) as {
      projekter: { titel: string }[];
    };
    const ai = cards.filter((c) => c.aiAct.class !== 'not-ai').map((c) => c.name.da);
    expect(doc.projekter.map((p) => p.titel)).toEqual(ai);
    expect(ai.length).toBeLessThan(cards.length);
  });
});

describe('register fields hold what the registers ask, in words for citizens', () => {
  const svc = (department?: string) =>
    new TransparencyService({
      grid: { kgPerKwh: 0.12, source: 'test' },
      organisation: 'Aarhus Kommune',
      department,
      contact: 'dpo@aarhus.example',
      retention: retentionRules(),
    });
  type NlAlgorithm = Record<string, string>;
  type AtrsRecord = { tier_2: Record<string, Record<string, unknown>> };
  const docs = async (department?: string) => {
    const s = svc(department);
    const cards = await s.cards('aarhus');
    const ctx = s.exportContext('aarhus', 'now');
    return {
      cards,
      nl: (registerExport('nl-register', cards, ctx) as { algorithms: NlAlgorithm[] }).algorithms,
      atrs: (registerExport('atrs', cards, ctx) as { records: AtrsRecord[] }).records,
      landkort: registerExport('ai-landkort', cards, ctx),
    };
  };

  it('fills department and team from GREENOPS_DEPARTMENT, not the users list', async () => {
    const set = await docs('Teknik og Miljø');
    expect(set.nl.every((a) => a.department === 'Teknik og Miljø')).toBe(true);
    expect(set.atrs[0]?.tier_2.owner_and_responsibility?.team).toBe('Teknik og Miljø');
    const unset = await docs();
    expect(unset.nl.every((a) => a.department === '')).toBe(true);
  });

  it('states impact assessments, benefits, process integration and performance as such', async () => {
    const { nl, atrs, cards } = await docs('Teknik og Miljø');
    expect(nl.every((a) => a.impacttoetsen?.startsWith('DPIA'))).toBe(true);
    expect(nl.every((a) => !a.impacttoetsen?.includes('Annex III'))).toBe(true);
    expect(nl.every((a) => a.performance_standard !== '')).toBe(true);
    atrs.forEach((r, i) => {
      const d = r.tier_2.description_and_rationale as Record<string, string>;
      expect(d.benefits).not.toBe(d.detailed_description);
      const p = r.tier_2.decision_making_process as Record<string, string>;
      expect(p.process_integration).toBe(cards[i]?.humanOversight.whoDecides.en);
      expect((r.tier_2.technical_specification as Record<string, string>).performance).not.toBe('');
      // Nothing checked: no share of overturned outputs to state.
      expect(p.human_decisions_and_review).not.toContain('0.0 % of those overturned');
    });
  });

  it('keeps developer internals out of the public texts of cards and exports', async () => {
    const { nl, atrs, landkort, cards } = await docs('Teknik og Miljø');
    const texts: string[] = [];
    const walk = (v: unknown, key = ''): void => {
      // The evaluation's source and the oversight records' route are the cards' technical fields.
      if (key === 'source' || key === 'records') return;
      if (typeof v === 'string') texts.push(v);
      else if (Array.isArray(v)) v.forEach((x) => walk(x));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
    };
    walk(cards);
    walk(nl);
    walk(atrs.map((r) => r.tier_2));
    walk((landkort as { projekter: unknown }).projekter);
    const internal =
      /\/api\/v\d|GREENOPS_|npm run|BENCHMARKS|\bissue \d|\.\.\/|\.csv|"ai":|_VERSION\b|\.json\b|\w\.\w+_\w/i;
    expect(texts.filter((t) => internal.test(t))).toEqual([]);
  });
});
