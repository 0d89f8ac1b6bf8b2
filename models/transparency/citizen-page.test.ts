import { describe, expect, it } from 'vitest';
import { retentionRules } from '../../core/index.js';
import { citizenPage, energyFigures, type PageLanguage } from './citizen-page.js';
import type { ModelCard } from './model-card.js';
import { registerExport } from './register-exports.js';
import { TransparencyService } from './transparency-service.js';
import { counted, humanPeriod } from './wording.js';

/** Words that give away English text on a Danish page (none of them is a Danish word). */
const ENGLISH =
  /\b(the|and|of|with|none|not|trained|yet|readings?|hourly|meters?|outdoor|holidays|invoices?|lines|supplier|counts|detections?|camera|frames|vehicle|days?|years?|months?|drivers?|purpose|officer|municipality|public|interest|personal|data protection|GDPR|network|least|squares|rule|object|detector|results?|checked|changed)\b/gi;

function service(): TransparencyService {
  return new TransparencyService({
    grid: { kgPerKwh: 0.12, source: 'test' },
    organisation: 'Aarhus Kommune',
    contact: undefined,
    retention: retentionRules(),
  });
}

async function page(lang: PageLanguage, edit: (cards: ModelCard[]) => void = () => undefined) {
  const svc = service();
  const cards = await svc.cards('aarhus');
  edit(cards);
  return citizenPage({
    lang,
    cards,
    organisation: svc.organisationFor('aarhus'),
    contact: svc.contact,
    retention: svc.retention,
    generatedAt: '2026-12-02T12:00:00Z',
  });
}

/** The text a reader sees, without the style sheet and without what is marked as the other language. */
function visibleText(html: string, other: PageLanguage = 'en'): string {
  return html
    .replace(/<style>[\s\S]*?<\/style>/, '')
    .replace(/<html[^>]*>/, '')
    .replace(new RegExp(`<(\\w+)[^>]*\\blang="${other}"[^>]*>[\\s\\S]*?</\\1>`, 'g'), '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c)))
    .replace(/\s+/g, ' ');
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

describe('the citizen page and the AI-landkort in Danish', () => {
  it('has no English on the Danish page: input names, legal bases, periods, purposes, versions', async () => {
    const text = visibleText(await page('da'));
    expect(text.match(ENGLISH) ?? []).toEqual([]);
    expect(text).toContain('udetemperatur');
    expect(text).not.toMatch(/\bnone\b/);
    // A version is a version or says there is none yet; an untrained model's status says it alone.
    expect(text).toContain('Status ikke trænet endnu Hvad den gør');
    expect(text).toContain('Version ingen version registreret endnu');
  });

  it('has no Danish on the English page', async () => {
    const text = visibleText(await page('en'), 'da');
    expect(
      text.match(/\b(og|ikke|ingen|dage|måneder|kommunens|oplysninger|endnu|resultater)\b/gi) ?? [],
    ).toEqual([]);
    expect(text).toContain('outdoor temperature');
  });

  it('fills the AI-landkort with Danish texts only', async () => {
    const svc = service();
    const doc = registerExport(
      'ai-landkort',
      await svc.cards('aarhus'),
      svc.exportContext('aarhus', 'now'),
    ) as {
      projekter: Record<string, string>[];
    };
    const published = doc.projekter.flatMap((p) => strings({ ...p, kommune: '', kontakt: '' }));
    expect(published.join(' ').match(ENGLISH) ?? []).toEqual([]);
    expect(doc.projekter[0]).toMatchObject({
      data: 'målernes forbrug time for time, udetemperatur, danske helligdage',
      version: 'ingen model trænet endnu',
    });
    expect(doc.projekter.every((p) => p.teknologi && p.retsgrundlag)).toBe(true);
  });

  it('states retention periods in years, months or days as people say them, in both languages', async () => {
    expect(
      [30, 61, 90, 365, 730, 1826, 3653].map((d) => [humanPeriod(d, 'da'), humanPeriod(d, 'en')]),
    ).toEqual([
      ['30 dage', '30 days'],
      ['2 måneder', '2 months'],
      ['90 dage', '90 days'],
      ['1 år', '1 year'],
      ['2 år', '2 years'],
      ['5 år', '5 years'],
      ['10 år', '10 years'],
    ]);
    const da = await page('da');
    expect(da).toContain('<td class="period">5 år</td>');
    expect(da).toContain('<td class="period">10 år</td>');
    expect(da).not.toMatch(/>(1826|3653)<\/td>/);
    expect(await page('en')).toContain('<td class="period">10 years</td>');
  });

  it('shows the checked and changed counts from the start, with singular and plural right', async () => {
    const da = await page('da');
    expect(da).toContain('0 resultater er kontrolleret af en medarbejder; 0 blev ændret.');
    const one = (cards: ModelCard[]) => {
      const o = cards[0]?.humanOversight.oversight;
      if (o) Object.assign(o, { checked: 1, overturned: 1 });
    };
    expect(await page('da', one)).toContain('1 resultat er kontrolleret af en medarbejder; 1 blev ændret.');
    expect(await page('en', one)).toContain('1 result was checked by a member of staff; 1 was changed.');
    expect(await page('en')).toContain('0 results were checked by a member of staff; 0 were changed.');
    expect(counted(2, 'resultat', 'resultater')).toBe('2 resultater');
  });

  it('shows no contact when none is configured, never a placeholder in its place', async () => {
    const da = visibleText(await page('da'));
    expect(da).not.toContain('Kontakt');
    expect(da).not.toContain('databeskyttelsesrådgiver');
    const nl = registerExport(
      'nl-register',
      await service().cards('aarhus'),
      service().exportContext('aarhus', 'now'),
    ) as {
      algorithms: { procedure_complaints: string }[];
    };
    expect(nl.algorithms[0]?.procedure_complaints).not.toContain('data protection officer');
    const svc = new TransparencyService({
      grid: { kgPerKwh: 0.12, source: 'test' },
      organisation: undefined,
      contact: 'dpo@aarhus.example',
      retention: retentionRules(),
    });
    const html = citizenPage({
      lang: 'da',
      cards: [],
      organisation: svc.organisationFor('aarhus'),
      contact: svc.contact,
      retention: [],
      generatedAt: '2026-12-02T12:00:00Z',
    });
    expect(html).toContain('<a href="mailto:dpo@aarhus.example">dpo@aarhus.example</a>');
    // One organisation default: the tenant, as in the exports (never "Kommunen" here and the tenant there).
    expect(html).toContain('<p>aarhus</p>');
    expect(svc.exportContext('aarhus', 'now').organisation).toBe('aarhus');
  });

  it('keeps tenant= on the links to the other language, and names other tenants by their id', async () => {
    const svc = new TransparencyService({
      grid: { kgPerKwh: 0.12, source: 'test' },
      organisation: 'Aarhus Kommune',
      organisationTenant: 'aarhus',
      contact: undefined,
      retention: retentionRules(),
    });
    expect(svc.organisationFor('aarhus')).toBe('Aarhus Kommune');
    expect(svc.organisationFor('odense')).toBe('odense');
    expect(svc.exportContext('odense', 'now').organisationConfigured).toBe(false);
    const html = citizenPage({
      lang: 'da',
      cards: [],
      organisation: svc.organisationFor('odense'),
      contact: undefined,
      tenantParam: 'odense',
      retention: [],
      generatedAt: '2026-12-02T12:00:00Z',
    });
    expect(html).toContain('<link rel="alternate" hreflang="en" href="/transparency/en?tenant=odense">');
    expect(html).toContain('<a href="/transparency/en?tenant=odense" hreflang="en"');
  });

  it('gives energy use in Wh and g with a decimal comma in Danish, and says when a model has no training', async () => {
    expect(energyFigures(0.00032, 0.00004, 'da')).toBe('0,32 Wh, 0,04 g CO₂e');
    expect(energyFigures(0.00032, 0.00004, 'en')).toBe('0.32 Wh, 0.04 g CO₂e');
    expect(energyFigures(2.5, 1.2, 'da')).toBe('2,5 kWh, 1,2 kg CO₂e');
    const withTraining = (cards: ModelCard[]) => {
      const invoice = cards.find((c) => c.id === 'invoice-classifier');
      if (invoice) {
        invoice.version = 'sha256-3f9a1c';
        invoice.status = 'in-use';
        invoice.energy = {
          method: 'm',
          gridKgCo2ePerKwh: 0.12,
          gridFactorSource: 't',
          training: {
            kwh: 0.00032,
            co2eKg: 0.00004,
            cpuSeconds: 1,
            wallSeconds: 1,
            at: '2026-12-01T08:00:00Z',
            method: 'tdp',
          },
          inferencePerDay: [],
        };
      }
    };
    const da = visibleText(await page('da', withTraining));
    expect(da).toContain('Seneste træning: 0,32 Wh, 0,04 g CO₂e.');
    expect(da).toContain('sha256-3f9a1c (trænet 2026-12-01)');
    // Fixed rules and the supplier's model have no training to measure: the page says so.
    const section = (id: string, html: string) =>
      html.slice(html.indexOf(`id="${id}"`), html.indexOf('</section>', html.indexOf(`id="${id}"`)));
    const html = await page('da');
    for (const id of ['energy-seasonal-naive', 'traffic-aadt', 'fleet-planner'])
      expect(section(id, html)).toContain('Ingen træning: en fast beregningsmetode');
    expect(section('road-damage-detector', html)).toContain('trænes af leverandøren');
    expect(section('road-damage-detector', html)).not.toContain('Ingen træning målt endnu');
  });
});
