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
