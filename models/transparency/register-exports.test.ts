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
