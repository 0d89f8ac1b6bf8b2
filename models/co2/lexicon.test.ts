import { describe, expect, it } from 'vitest';
import { categoryForCpv } from './classification-codes.js';
import { readText, ranked } from './lexicon.js';

const best = (text: string) => ranked(readText(text).categories).best;
const nonEmitting = (text: string) => ranked(readText(text).nonEmitting).best;

describe('multilingual lexicon', () => {
  it('reads the same category in six languages, whole words and inflected forms', () => {
    for (const text of [
      'Kontorstole',
      'Office chairs',
      'Bürostühle',
      'Bureaustoelen',
      'Kontorstoler',
      'Kontorsstolar',
    ])
      expect(best(text), text).toBe('furniture');
    for (const text of [
      'Elforbrug',
      'Electricity supply',
      'Stromlieferung',
      'Elektriciteit',
      'Strømforbruk',
      'Elförbrukning',
    ])
      expect(best(text), text).toBe('electricity');
  });

  it('splits compounds at their head, and a neutral head ("preis", "kosten") names nothing', () => {
    expect(best('Fjernvarmeafregning')).toBe('district_heating');
    expect(best('Sikkerhedsskoene')).toBe('clothing');
    expect(best('Volkorenbrood')).toBe('food_catering');
    expect(readText('Messpreis').categories.size).toBe(0);
  });

  it('knows taxes, levies, fees, deposits, rounding, interest and instalments in every language', () => {
    const cases: [string, string][] = [
      ['Moms', 'tax'],
      ['Umsatzsteuer', 'tax'],
      ['Energiebelasting', 'tax'],
      ['Trängselskatt', 'tax'],
      ['Vehicle excise duty', 'tax'],
      ['Konzessionsumlage', 'levy'],
      ['Ekspeditionsgebyr', 'admin_fee'],
      ['Bearbeitungspauschale', 'admin_fee'],
      ['Administratiekosten', 'admin_fee'],
      ['Påminnelseavgift', 'admin_fee'],
      ['Statiegeld', 'deposit'],
      ['Flaskepant', 'deposit'],
      ['Øreafrunding', 'rounding'],
      ['Öresavrundning', 'rounding'],
      ['Verzugszinsen', 'interest'],
      ['Late payment interest', 'interest'],
      ['Afdrag på lån', 'instalment'],
      ['Amortering', 'instalment'],
      ['Vastrecht', 'standing_charge'],
      ['Nettleie', 'grid'],
      ['Målerleje', 'metering'],
    ];
    for (const [text, kind] of cases) expect(nonEmitting(text), text).toBe(kind);
    // A fee word alone ("-gebühr") is weak: it names a fee, not that the fee is administrative.
    expect(readText('Kursgebühr').nonEmitting.get('admin_fee') ?? 0).toBeLessThan(2);
  });

  it('sees placeholder lines and nothing else as placeholders', () => {
    for (const text of [
      'Produkt 1',
      'Artikel 12',
      'Test item',
      'Vare 3',
      'Testvare',
      'Position A',
      'Diverse',
    ])
      expect(readText(text).placeholder, text).toBe(true);
    for (const text of ['Kopipapir 5 pk', 'Service af bil', 'Beratung', 'xq zzv 17'])
      expect(readText(text).placeholder, text).toBe(false);
  });

  it('maps CPV codes by their longest prefix', () => {
    expect(categoryForCpv('09310000-5')).toBe('electricity');
    expect(categoryForCpv('09323000-9')).toBe('district_heating');
    expect(categoryForCpv('30213100-6')).toBe('it_equipment');
    expect(categoryForCpv('90511000-2')).toBe('waste');
    expect(categoryForCpv('72000000')).toBe('it_services');
    expect(categoryForCpv('not a code')).toBeUndefined();
  });
});
