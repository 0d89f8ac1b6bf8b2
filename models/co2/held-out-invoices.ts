import type { InvoiceFile } from './read-invoices.js';

/**
 * A small held-out check: e-invoices composed for greenops in Danish (OIOUBL 2.1 and 3), Dutch, Norwegian, Swedish
 * (Peppol BIS 3) and English, with the category each line should get. Written independently of the lexicon (its
 * wording is not copied from it: inflected forms, compounds, abbreviations), and never used to build it. The
 * parties are fictitious.
 */
export interface HeldOutLine {
  description: string;
  unit: string;
  quantity: number;
  amount: number;
  /** A factor-table category, `non_emitting` or `unknown`. */
  category: string;
  /** Costed by an activity factor (an energy, fuel or water quantity). */
  activity?: boolean;
  code?: { list: string; code: string };
}

export interface HeldOutInvoice {
  name: string;
  format: 'oioubl-2' | 'oioubl-3' | 'peppol';
  supplier: string;
  supplierId: string;
  currency: string;
  creditNote?: boolean;
  lines: HeldOutLine[];
}

const L = (
  description: string,
  unit: string,
  quantity: number,
  amount: number,
  category: string,
  extra: Partial<HeldOutLine> = {},
): HeldOutLine => ({ description, unit, quantity, amount, category, ...extra });

export const HELD_OUT_INVOICES: HeldOutInvoice[] = [
  {
    name: 'dk-varme.xml',
    format: 'oioubl-2',
    supplier: 'Nordjysk Fjernvarme A/S',
    supplierId: 'DK31122334',
    currency: 'DKK',
    lines: [
      L('Varmeforbrug 1. kvartal, aflæst', 'MWH', 42.5, 21_250, 'district_heating', { activity: true }),
      L('Fast bidrag pr. år', 'ANN', 1, 3_600, 'non_emitting'),
      L('Målerleje', 'MON', 3, 180, 'non_emitting'),
    ],
  },
  {
    name: 'dk-el.xml',
    format: 'oioubl-3',
    supplier: 'Vestkystens Energi A/S',
    supplierId: 'DK29887766',
    currency: 'DKK',
    lines: [
      L('Elforbrug Rådhuset, marts', 'KWH', 16_000, 19_200, 'electricity', { activity: true }),
      L('Nettarif C, lavlast og spidslast', 'KWH', 16_000, 3_100, 'non_emitting'),
      L('Elafgift', 'KWH', 16_000, 11_900, 'non_emitting'),
      L('Netabonnement', 'MON', 3, 330, 'non_emitting'),
      L('Øreafrunding', 'C62', 1, 0.23, 'non_emitting'),
    ],
  },
  {
    name: 'dk-kontor.xml',
    format: 'oioubl-2',
    supplier: 'Kontorland ApS',
    supplierId: 'DK40112233',
    currency: 'DKK',
    lines: [
      L('Kopipapir A4 80 g, 5 pakker', 'PK', 5, 225, 'office_supplies'),
      L('Blækpatron sort nr. 305', 'EA', 4, 640, 'office_supplies'),
      L('Skrivebordsstole, sort stof', 'EA', 6, 11_400, 'furniture'),
      L('Fragt og emballage', 'C62', 1, 149, 'transport_services'),
      L('Ekspeditionsgebyr', 'C62', 1, 49, 'non_emitting'),
    ],
  },
  {
    name: 'dk-kontor-kredit.xml',
    format: 'oioubl-2',
    supplier: 'Kontorland ApS',
    supplierId: 'DK40112233',
    currency: 'DKK',
    creditNote: true,
    lines: [L('Kopipapir A4 returneret', 'PK', 2, 90, 'office_supplies')],
  },
  {
    name: 'dk-auto.xml',
    format: 'oioubl-3',
    supplier: 'Bilhuset Vest A/S',
    supplierId: 'DK35566778',
    currency: 'DKK',
    lines: [
      L('Dieselolie, 800 L til materielgården', 'C62', 1, 10_400, 'diesel', { activity: true }),
      L('Vinterdæk 205/55 R16, 4 stk', 'EA', 4, 3_960, 'vehicle_service'),
      L('Værkstedstimer, skift af bremseklodser', 'HUR', 3, 2_250, 'vehicle_service'),
      L('Grøn ejerafgift, halvår', 'C62', 1, 1_240, 'non_emitting'),
      L('Pant på startbatteri', 'EA', 1, 150, 'non_emitting'),
    ],
  },
  {
    name: 'dk-test.xml',
    format: 'oioubl-2',
    supplier: 'Leverandør Test ApS',
    supplierId: 'DK10000001',
    currency: 'DKK',
    lines: [L('Vare 1', 'EA', 2, 500, 'unknown'), L('Testvare', 'EA', 1, 100, 'unknown')],
  },
  {
    name: 'nl-groothandel.xml',
    format: 'peppol',
    supplier: 'Groothandel De Vries B.V.',
    supplierId: 'NL812345678B01',
    currency: 'EUR',
    lines: [
      L('Halfvolle melk 1 liter, 12 pakken', 'EA', 12, 14.28, 'food_catering'),
      L('Volkorenbrood gesneden', 'EA', 10, 27.5, 'food_catering'),
      L('Koffiebonen 1 kg', 'EA', 3, 41.85, 'food_catering'),
      L('Statiegeld kratten', 'EA', 2, 7.8, 'non_emitting'),
      L('Bezorgkosten', 'C62', 1, 12.5, 'transport_services'),
    ],
  },
  {
    name: 'nl-stroom.xml',
    format: 'peppol',
    supplier: 'Stroomlevering Holland B.V.',
    supplierId: 'NL823456789B01',
    currency: 'EUR',
    lines: [
      L('Levering elektriciteit normaaltarief', 'KWH', 5_200, 1_196, 'electricity', { activity: true }),
      L('Energiebelasting', 'KWH', 5_200, 650.52, 'non_emitting'),
      L('Vastrecht', 'MON', 12, 71.88, 'non_emitting'),
      L('Netbeheerkosten', 'MON', 12, 402.6, 'non_emitting'),
    ],
  },
  {
    name: 'nl-it.xml',
    format: 'peppol',
    supplier: 'IT Partners Utrecht B.V.',
    supplierId: 'NL834567890B01',
    currency: 'EUR',
    lines: [
      L('Laptop 14 inch, 16 GB, i5', 'EA', 2, 2_198, 'it_equipment'),
      L('Microsoft 365 licenties, jaar', 'EA', 25, 3_150, 'it_services'),
      L('Netwerkkabel Cat6 5 m', 'EA', 20, 89, 'it_equipment'),
      L('Administratiekosten', 'C62', 1, 15, 'non_emitting'),
    ],
  },
  {
    name: 'no-kraft.xml',
    format: 'peppol',
    supplier: 'Fjordkraft Vest AS',
    supplierId: 'NO987654321MVA',
    currency: 'NOK',
    lines: [
      L('Strømforbruk januar', 'KWH', 8_000, 9_600, 'electricity', { activity: true }),
      L('Nettleie energiledd', 'KWH', 8_000, 2_400, 'non_emitting'),
      L('Elavgift', 'KWH', 8_000, 1_308, 'non_emitting'),
      L('Fastledd nett', 'MON', 1, 340, 'non_emitting'),
    ],
  },
  {
    name: 'no-kontor.xml',
    format: 'peppol',
    supplier: 'Kontorservice Norge AS',
    supplierId: 'NO976543210MVA',
    currency: 'NOK',
    lines: [
      L('Kontorstoler med armlener', 'EA', 8, 23_920, 'furniture'),
      L('Skrivebord hev/senk 160x80', 'EA', 4, 27_960, 'furniture'),
      L('Frakt', 'C62', 1, 1_490, 'transport_services'),
      L('Fakturagebyr', 'C62', 1, 59, 'non_emitting'),
    ],
  },
  {
    name: 'no-renhold.xml',
    format: 'peppol',
    supplier: 'Renhold Bergen AS',
    supplierId: 'NO965432109MVA',
    currency: 'NOK',
    lines: [
      L('Renhold av lokaler, mars', 'HUR', 40, 18_000, 'cleaning'),
      L('Vindusvask fasade', 'C62', 1, 6_500, 'cleaning'),
      L('Avdrag lån maskinpark', 'C62', 1, 12_000, 'non_emitting'),
    ],
  },
  {
    name: 'se-varme.xml',
    format: 'peppol',
    supplier: 'Västra Fjärrvärme AB',
    supplierId: 'SE556677889901',
    currency: 'SEK',
    lines: [
      L('Fjärrvärme, energiavgift februari', 'MWH', 120, 66_000, 'district_heating', { activity: true }),
      L('Effektavgift', 'KWT', 250, 21_000, 'non_emitting'),
      L('Fast avgift', 'MON', 1, 1_250, 'non_emitting'),
    ],
  },
  {
    name: 'se-kontor.xml',
    format: 'peppol',
    supplier: 'Kontorsgrossisten AB',
    supplierId: 'SE556123456701',
    currency: 'SEK',
    lines: [
      L('Kopieringspapper A4, 2500 ark', 'EA', 4, 796, 'office_supplies'),
      L('Tangentbord trådlöst', 'EA', 5, 1_745, 'it_equipment'),
      L('Datormöss, optiska', 'EA', 5, 745, 'it_equipment'),
      L('Fraktavgift', 'C62', 1, 95, 'transport_services'),
      L('Öresavrundning', 'C62', 1, -0.4, 'non_emitting'),
    ],
  },
  {
    name: 'se-drivmedel.xml',
    format: 'peppol',
    supplier: 'Drivmedel Syd AB',
    supplierId: 'SE556998877601',
    currency: 'SEK',
    lines: [
      L('Diesel MK1', 'LTR', 450, 9_450, 'diesel', { activity: true }),
      L('Bensin 95 oktan', 'LTR', 120, 2_280, 'petrol', { activity: true }),
      L('Trängselskatt, februari', 'C62', 1, 1_035, 'non_emitting'),
    ],
  },
  {
    name: 'uk-gas.xml',
    format: 'peppol',
    supplier: 'Northern Utilities Ltd',
    supplierId: 'GB123456789',
    currency: 'GBP',
    lines: [
      L('Gas consumption, Q1', 'KWH', 24_000, 1_680, 'natural_gas', { activity: true }),
      L('Climate Change Levy', 'KWH', 24_000, 186, 'non_emitting'),
      L('Standing charge, 90 days', 'DAY', 90, 54, 'non_emitting'),
    ],
  },
  {
    name: 'uk-facilities.xml',
    format: 'peppol',
    supplier: 'Facilities Direct Ltd',
    supplierId: 'GB234567891',
    currency: 'GBP',
    lines: [
      L('Office cleaning, March', 'HUR', 60, 1_080, 'cleaning'),
      L('Hand towels and soap refills', 'EA', 12, 96, 'cleaning'),
      L('Consumables', 'EA', 1, 45, 'cleaning', { code: { list: 'CPV', code: '39830000-9' } }),
      L('Late payment interest', 'C62', 1, 12.4, 'non_emitting'),
      L('Test item', 'EA', 1, 10, 'unknown'),
    ],
  },
  {
    name: 'uk-fleet.xml',
    format: 'peppol',
    supplier: 'Fleet Services Ltd',
    supplierId: 'GB345678912',
    currency: 'GBP',
    lines: [
      L('Van lease, May', 'MON', 1, 420, 'vehicles'),
      L('Annual service and MOT', 'C62', 1, 265, 'vehicle_service'),
      L('Vehicle excise duty', 'C62', 1, 290, 'non_emitting'),
      L('Loan instalment 7 of 36', 'C62', 1, 1_150, 'non_emitting'),
    ],
  },
  {
    name: 'uk-courier.xml',
    format: 'peppol',
    supplier: 'Swift Couriers Ltd',
    supplierId: 'GB456789123',
    currency: 'GBP',
    lines: [
      L('Same-day courier, Leeds to York', 'C62', 1, 85, 'transport_services'),
      L('Parcel delivery, 2 kg', 'C62', 3, 24, 'transport_services'),
    ],
  },
];

const CUSTOMIZATION = {
  'oioubl-2': 'OIOUBL-2.1',
  'oioubl-3': 'urn:fdc:oioubl.dk:trns:billing:invoice:3.0',
  peppol: 'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0',
} as const;

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The held-out invoices as UBL files, and the expected category per `file#lineId`. */
export function heldOutFiles(): { files: InvoiceFile[]; truth: Map<string, HeldOutLine> } {
  const files: InvoiceFile[] = [];
  const truth = new Map<string, HeldOutLine>();
  for (const inv of HELD_OUT_INVOICES) {
    const root = inv.creditNote ? 'CreditNote' : 'Invoice';
    const lineTag = inv.creditNote ? 'CreditNoteLine' : 'InvoiceLine';
    const qtyTag = inv.creditNote ? 'CreditedQuantity' : 'InvoicedQuantity';
    const lines = inv.lines.map((l, i) => {
      truth.set(`${inv.name}#${i + 1}`, l);
      const code = l.code
        ? `<cac:CommodityClassification><cbc:ItemClassificationCode listID="${l.code.list}">${l.code.code}</cbc:ItemClassificationCode></cac:CommodityClassification>`
        : '';
      return `<cac:${lineTag}><cbc:ID>${i + 1}</cbc:ID><cbc:${qtyTag} unitCode="${l.unit}">${l.quantity}</cbc:${qtyTag}><cbc:LineExtensionAmount currencyID="${inv.currency}">${l.amount.toFixed(2)}</cbc:LineExtensionAmount><cac:Item><cbc:Name>${escape(l.description)}</cbc:Name>${code}</cac:Item></cac:${lineTag}>`;
    });
    const text = `<?xml version="1.0" encoding="UTF-8"?>
<${root} xmlns="urn:oasis:names:specification:ubl:schema:xsd:${root}-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
<cbc:CustomizationID>${CUSTOMIZATION[inv.format]}</cbc:CustomizationID>
<cbc:ID>${inv.name.replace('.xml', '').toUpperCase()}-1</cbc:ID>
<cbc:IssueDate>2025-03-31</cbc:IssueDate>
<cbc:DocumentCurrencyCode>${inv.currency}</cbc:DocumentCurrencyCode>
<cac:AccountingSupplierParty><cac:Party><cac:PartyName><cbc:Name>${escape(inv.supplier)}</cbc:Name></cac:PartyName><cac:PartyLegalEntity><cbc:CompanyID>${inv.supplierId}</cbc:CompanyID></cac:PartyLegalEntity></cac:Party></cac:AccountingSupplierParty>
${lines.join('\n')}
</${root}>
`;
    files.push({ name: inv.name, text });
  }
  return { files, truth };
}
