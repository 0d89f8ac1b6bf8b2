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

  it('writes a short prefix onto its word: "El-cykel" is a bicycle, "El-Kretsen" a name, "Hi-vis" clothing', () => {
    expect(best('El-cykel til hjemmeplejen')).toBe('vehicles');
    expect(best('Miljöavgift elektronik (El-Kretsen)')).toBeUndefined();
    expect(nonEmitting('Miljöavgift elektronik (El-Kretsen)')).toBe('levy');
    expect(best('Hi-vis safety jackets, class 2')).toBe('clothing');
  });

  it('does not read a name as a compound: four letters after four unknown ones need a known first part', () => {
    expect(nonEmitting('Tågresa Stockholm–Göteborg t/r')).toBeUndefined();
    expect(best('Tågresa Stockholm–Göteborg t/r')).toBe('travel');
    expect(best('Restaurering af neorokokosofa')).toBe('furniture');
  });

  it('a vehicle with a word for servicing is a vehicle service, in any of the languages', () => {
    for (const text of [
      'Full service Ford Transit van',
      'Service af varevogn, 30.000 km',
      'Wartung Transporter',
    ])
      expect(best(text), text).toBe('vehicle_service');
    expect(best('Loan instalment 7 of 36, electric van')).toBe('vehicles');
  });

  it('a unit letter after a number is no placeholder letter; "Produkt A" and "Test item" are placeholders', () => {
    expect(readText('Vindusspylervæske 4 l').placeholder).toBe(false);
    expect(readText('Produkt A').placeholder).toBe(true);
    expect(readText('Test item').placeholder).toBe(true);
    expect(readText('Service af varevogn').placeholder).toBe(false);
  });
});
