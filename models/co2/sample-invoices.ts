import { buildCorpus, seededRandom } from './corpus.js';
import type { FactorTable } from './factor-table.js';
import type { InvoiceFile } from './read-invoices.js';

export interface SampleOptions {
  files: number;
  linesPerFile: number;
  seed: number;
  /** Share of lines that carry a UNSPSC code (the rest need the classifier). */
  unspscShare?: number;
}

interface SampleLine {
  id: string;
  category: string;
  description: string;
  unspsc: string | undefined;
  quantity: number;
  unit: string;
  amount: number;
}

const FORMATS = [
  {
    customization: 'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0',
    prefix: '',
  },
  { customization: 'OIOUBL-2.02', prefix: '' },
  { customization: 'urn:fdc:oioubl.dk:trns:billing:invoice:3.0', prefix: 'ubl:' },
] as const;

const UNIT_PRICE: Record<string, number> = {
  KWH: 2.1,
  MWH: 700,
  MTQ: 45,
  LTR: 14,
  HUR: 650,
  KMT: 18,
  TNE: 900,
};

const escapeXml = (s: string) =>
  s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] as string);

/**
 * Deterministic sample e-invoices for benchmarks and demos: Peppol BIS 3, OIOUBL 2.x and OIOUBL 3 invoices and
 * (every tenth) credit notes, with held-out corpus wording (text the classifier has not seen in training),
 * UNSPSC codes on a share of lines, quantities in the category's usual unit, some in euro. Returns the files and
 * the true category of every line (`file#lineId`), so a benchmark can score the whole chain.
 */
export function sampleInvoices(
  table: FactorTable,
  options: SampleOptions,
): { files: InvoiceFile[]; truth: Map<string, string> } {
  const random = seededRandom(options.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const { test } = buildCorpus();
  const unspscShare = options.unspscShare ?? 0.4;
  const files: InvoiceFile[] = [];
  const truth = new Map<string, string>();
  for (let f = 0; f < options.files; f++) {
    const format = FORMATS[f % FORMATS.length] as (typeof FORMATS)[number];
    const creditNote = f % 10 === 9;
    const currency = random() < 0.1 ? 'EUR' : 'DKK';
    const rate = currency === 'EUR' ? 7.46 : 1;
    const name = `sample-${String(f).padStart(5, '0')}.xml`;
    const date = `${2024 + Math.floor(random() * 3)}-${String(1 + Math.floor(random() * 12)).padStart(2, '0')}-${String(1 + Math.floor(random() * 28)).padStart(2, '0')}`;
    // A supplier mostly sells one kind of thing: most lines share the first line's category.
    const supplierExample = pick(test);
    const sameCategory = test.filter((e) => e.category === supplierExample.category);
    const lines: SampleLine[] = [];
    for (let l = 0; l < options.linesPerFile; l++) {
      const example = l === 0 ? supplierExample : random() < 0.7 ? pick(sameCategory) : pick(test);
      const category = table.categories[example.category];
      const prefixes = category?.unspsc ?? [];
      const unspsc =
        prefixes.length > 0 && random() < unspscShare ? pick(prefixes).padEnd(8, '0') : undefined;
      const unit = example.unitCode ?? (category?.activity ? 'EA' : pick(['EA', 'HUR']));
      const quantity = Math.round((1 + random() * 200) * 100) / 100;
      const amount = Math.round((quantity * (UNIT_PRICE[unit] ?? 80 + random() * 900)) / rate);
      lines.push({
        id: String(l + 1),
        category: example.category,
        description: example.description,
        unspsc,
        quantity,
        unit,
        amount,
      });
      truth.set(`${name}#${l + 1}`, example.category);
    }
    files.push({
      name,
      text: ublDocument(format, creditNote, f, date, currency, supplierExample.supplier, lines),
    });
  }
  return { files, truth };
}

function ublDocument(
  format: (typeof FORMATS)[number],
  creditNote: boolean,
  n: number,
  date: string,
  currency: string,
  supplier: string,
  lines: SampleLine[],
): string {
  const root = creditNote ? 'CreditNote' : 'Invoice';
  const p = format.prefix;
  const lineElement = creditNote ? 'CreditNoteLine' : 'InvoiceLine';
  const quantityElement = creditNote ? 'CreditedQuantity' : 'InvoicedQuantity';
  const body = lines
    .map(
      (l) => `  <cac:${lineElement}>
    <cbc:ID>${l.id}</cbc:ID>
    <cbc:${quantityElement} unitCode="${l.unit}">${l.quantity}</cbc:${quantityElement}>
    <cbc:LineExtensionAmount currencyID="${currency}">${l.amount.toFixed(2)}</cbc:LineExtensionAmount>
    <cac:Item>
      <cbc:Name>${escapeXml(l.description)}</cbc:Name>${
        l.unspsc
          ? `
      <cac:CommodityClassification><cbc:ItemClassificationCode listID="UNSPSC">${l.unspsc}</cbc:ItemClassificationCode></cac:CommodityClassification>`
          : ''
      }
    </cac:Item>
  </cac:${lineElement}>`,
    )
    .join('\n');
  const total = lines.reduce((s, l) => s + l.amount, 0);
  return `<?xml version="1.0" encoding="UTF-8"?>
<${p}${root} xmlns${p ? `:${p.slice(0, -1)}` : ''}="urn:oasis:names:specification:ubl:schema:xsd:${root}-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>${format.customization}</cbc:CustomizationID>
  <cbc:ID>S-${n}</cbc:ID>
  <cbc:IssueDate>${date}</cbc:IssueDate>
  <cbc:DocumentCurrencyCode>${currency}</cbc:DocumentCurrencyCode>
  <cac:AccountingSupplierParty><cac:Party>
    <cac:PartyName><cbc:Name>${escapeXml(supplier)}</cbc:Name></cac:PartyName>
    <cac:PartyLegalEntity><cbc:RegistrationName>${escapeXml(supplier)}</cbc:RegistrationName><cbc:CompanyID>DK${String(10_000_000 + (n % 997)).slice(0, 8)}</cbc:CompanyID></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingSupplierParty>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="${currency}">${total.toFixed(2)}</cbc:LineExtensionAmount>
    <cbc:PayableAmount currencyID="${currency}">${(total * 1.25).toFixed(2)}</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
${body}
</${p}${root}>
`;
}
