import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvoiceFileError } from './invoice-line.js';
import { parseUbl } from './ubl-parser.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../test/fixtures/invoices/${name}`, import.meta.url), 'utf8');

describe('UBL e-invoices (OIOUBL 2.x, OIOUBL 3, Peppol BIS 3 / EN 16931)', () => {
  it('reads a Peppol BIS 3 invoice: lines, quantities with Rec 20 units, UNSPSC, supplier, net of the document discount', () => {
    const lines = parseUbl(fixture('peppol-bis3-invoice.xml'), 'peppol.xml');
    expect(lines.map((l) => [l.lineId, l.quantity, l.unitCode, l.unspsc])).toEqual([
      ['1', 12500, 'KWH', '83101801'],
      ['2', 800, 'LTR', undefined],
      ['3', 5, 'HUR', undefined],
    ]);
    expect(lines[0]).toMatchObject({
      format: 'PEPPOL-BIS-3',
      documentId: 'PEP-2026-0042',
      documentType: 'invoice',
      issueDate: '2026-03-31',
      currency: 'DKK',
      supplier: { name: 'Nordisk Energi A/S', id: 'DK12345678' },
    });
    expect(lines[0]?.description).toBe('Elektricitet — Elforbrug marts, Rådhuset');
    // The 1,000 DKK discount is spread over 40,000 DKK of lines in proportion.
    expect(lines.map((l) => l.amount)).toEqual([24375, 9750, 4875]);
    expect(lines.reduce((s, l) => s + l.amount, 0)).toBeCloseTo(39000, 9);
    expect(lines.map((l) => l.sourceLine)).toEqual([35, 48, 55]);
  });

  it('reads OIOUBL 2.1 with prefixed root, legal-entity name, another currency and a document charge', () => {
    const [line] = parseUbl(fixture('oioubl-21-invoice.xml'), 'oioubl.xml');
    expect(line).toMatchObject({
      format: 'OIOUBL-2',
      currency: 'EUR',
      quantity: 42.5,
      unitCode: 'MWH',
      unspsc: '83101700',
      amount: 3000,
      supplier: { name: 'Fjernvarme Syd I/S', id: 'DK87654321' },
    });
  });

  it('counts credit notes negative', () => {
    const [line] = parseUbl(fixture('oioubl-21-creditnote.xml'), 'credit.xml');
    expect(line).toMatchObject({
      documentType: 'credit-note',
      quantity: -500,
      amount: -1000,
      unitCode: 'KWH',
    });
  });

  it('names the file and line of a file that is not well-formed', () => {
    expect(() => parseUbl(fixture('broken.xml'), 'broken.xml')).toThrow(InvoiceFileError);
    expect(() => parseUbl(fixture('broken.xml'), 'broken.xml')).toThrow(
      /^broken\.xml:5: not well-formed XML: .*IssueDate/,
    );
  });

  it('names the last line of a file cut short, and the element left open', () => {
    const whole = fixture('peppol-bis3-invoice.xml');
    const lines = whole.split('\n');
    const cut = lines.slice(0, 20).join('\n');
    expect(() => parseUbl(cut, 'cut.xml')).toThrow(
      /^cut\.xml:20: not well-formed XML: unexpected end of file, \d+ elements still open \(innermost <[^>]+>\)/,
    );
  });

  it('refuses a UBL document that is not an invoice or credit note, naming its root', () => {
    expect(() => parseUbl(fixture('order.xml'), 'order.xml')).toThrow(
      'order.xml:1: not a UBL Invoice or CreditNote (root element Order)',
    );
  });

  it('names what is missing', () => {
    const noDate = fixture('oioubl-21-creditnote.xml').replace(
      '<cbc:IssueDate>2026-03-02</cbc:IssueDate>',
      '',
    );
    expect(() => parseUbl(noDate, 'x.xml')).toThrow('x.xml: cbc:IssueDate is missing');
    const badAmount = fixture('oioubl-21-creditnote.xml').replace('1000.00', 'tusind');
    expect(() => parseUbl(badAmount, 'y.xml')).toThrow(/^y\.xml:13: line 1: cbc:LineExtensionAmount/);
  });
});

describe('UBL shapes seen in published OIOUBL and Peppol examples', () => {
  it('reads OIOUBL 2.01 sender output: spaced attributes, line TaxTotal, Name repeating Description, PartyIdentification', () => {
    const lines = parseUbl(fixture('oioubl-201-invoice.xml'), 'oio201.xml');
    expect(lines.map((l) => [l.format, l.description, l.amount, l.currency, l.unitCode])).toEqual([
      ['OIOUBL-2', 'Frokostordning oktober', 16100, 'DKK', 'EA'],
      ['OIOUBL-2', 'Forplejning — Mødeforplejning, byrådssalen', 2300, 'DKK', 'HUR'],
    ]);
    expect(lines[0]?.supplier).toEqual({ name: 'Kantine Service ApS', id: 'DK55667788' });
  });

  it('reads OIOUBL 3: prefixed root, UNSPSC with a version, line allowance kept inside the line, document charge spread', () => {
    const lines = parseUbl(fixture('oioubl-3-invoice.xml'), 'oio3.xml');
    expect(lines.map((l) => [l.format, l.lineId, l.unspsc, l.quantity, l.unitCode])).toEqual([
      ['OIOUBL-3', '10', '25172504', 4, 'EA'],
      ['OIOUBL-3', '20', '15101505', 250, 'LTR'],
    ]);
    // 500 DKK freight over 6,000 + 4,000 DKK of lines.
    expect(lines.map((l) => l.amount)).toEqual([6300, 4200]);
  });

  it('reads a Peppol corrective invoice: a negative line stays negative, SRV classification is not taken for UNSPSC', () => {
    const lines = parseUbl(fixture('peppol-bis3-correction.xml'), 'corr.xml');
    expect(lines.map((l) => [l.quantity, l.unitCode, l.unspsc, l.documentType])).toEqual([
      [8, 'DAY', undefined, 'invoice'],
      [-2, 'DAY', undefined, 'invoice'],
    ]);
    expect(lines.reduce((s, l) => s + l.amount, 0)).toBeCloseTo(820, 9);
    expect(lines[0]?.supplier.id).toBe('SE556732170701');
  });

  it('reads a Peppol credit note as negative quantity and amount', () => {
    const [line] = parseUbl(fixture('peppol-bis3-creditnote.xml'), 'cn.xml');
    expect(line).toMatchObject({
      documentType: 'credit-note',
      quantity: -50,
      amount: -800,
      unspsc: '15101505',
    });
  });

  it('names the CII syntax of EN 16931 when given one, rather than reading it wrong', () => {
    const cii = `<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100">
  <rsm:ExchangedDocument/>
</rsm:CrossIndustryInvoice>`;
    expect(() => parseUbl(cii, 'cii.xml')).toThrow(
      /^cii\.xml:2: UN\/CEFACT CII, EN 16931's other syntax, is not read/,
    );
  });
});

describe('parts no estimate reads', () => {
  const withAttachment = (xml: string) =>
    xml.replace(
      /(<cac:AccountingSupplierParty>)/,
      `<cac:AdditionalDocumentReference><cbc:ID>PDF</cbc:ID><cac:Attachment><cbc:EmbeddedDocumentBinaryObject mimeCode="application/pdf" filename="a.pdf">${'QUJD\n'.repeat(40)}</cbc:EmbeddedDocumentBinaryObject></cac:Attachment></cac:AdditionalDocumentReference>\n$1`,
    );

  it('reads the same lines, sub-line names and classification codes, with line numbers of the file as sent', () => {
    const xml = readFileSync(
      new URL('../../test/fixtures/invoices/peppol-bis3-invoice.xml', import.meta.url),
      'utf8',
    );
    const plain = parseUbl(xml, 'p.xml');
    const padded = parseUbl(withAttachment(xml), 'p.xml');
    expect(padded.map((l) => ({ ...l, sourceLine: undefined }))).toEqual(
      plain.map((l) => ({ ...l, sourceLine: undefined })),
    );
    // 41 more lines before the invoice lines: the attachment's 40 newlines and the one after it.
    expect(padded.map((l) => l.sourceLine)).toEqual(plain.map((l) => (l.sourceLine as number) + 41));
    expect(plain[0]?.codes).toEqual([{ list: 'TST', code: '83101801' }]);
  });

  it('still refuses malformed XML around an attachment, naming the line', () => {
    const xml = readFileSync(
      new URL('../../test/fixtures/invoices/peppol-bis3-invoice.xml', import.meta.url),
      'utf8',
    );
    const broken = withAttachment(xml).replace('<cbc:IssueDate>', '<cbc:IssueDate><oops>');
    expect(() => parseUbl(broken, 'b.xml')).toThrow(/b\.xml:\d+: not well-formed XML/);
  });

  it('still checks the parts it does not read: a broken total is refused, naming its line', () => {
    const xml = fixture('peppol-bis3-invoice.xml');
    // The error is where the total's close tag meets the element left open.
    const at = xml.split('\n').findIndex((l) => l.includes('</cac:LegalMonetaryTotal>')) + 1;
    const broken = xml.replace(
      '<cac:LegalMonetaryTotal>',
      '<cac:LegalMonetaryTotal><cbc:LineExtensionAmount>',
    );
    expect(() => parseUbl(broken, 't.xml')).toThrow(
      new RegExp(
        `^t\\.xml:${at}: not well-formed XML: unexpected close tag\\. <cbc:LineExtensionAmount> is not closed`,
      ),
    );
  });

  it('reads entities, character references and CDATA in item names as text', () => {
    const xml = fixture('peppol-bis3-invoice.xml').replace(
      '<cbc:Name>Energirådgivning</cbc:Name>',
      '<cbc:Name>Energi&amp;r&#229;dgivning <![CDATA[<fase 2>]]></cbc:Name>',
    );
    expect(parseUbl(xml, 'e.xml')[2]?.description).toBe('Energi&rådgivning <fase 2>');
  });
});

describe('sub-lines', () => {
  it("gives a line its sub-lines' item names as detail (the line's own name is often a bare heading)", () => {
    const xml = readFileSync(
      new URL('../../test/fixtures/invoices/peppol-bis3-invoice.xml', import.meta.url),
      'utf8',
    );
    const sub = (id: string, name: string) =>
      `<cac:SubInvoiceLine><cbc:ID>${id}</cbc:ID><cbc:InvoicedQuantity unitCode="EA">1</cbc:InvoicedQuantity><cbc:LineExtensionAmount currencyID="DKK">0</cbc:LineExtensionAmount><cac:Item><cbc:Name>${name}</cbc:Name></cac:Item></cac:SubInvoiceLine>`;
    const withSubs = xml.replace(
      '<cac:Item><cbc:Name>Energirådgivning</cbc:Name></cac:Item>',
      `<cac:Item><cbc:Name>Energirådgivning</cbc:Name></cac:Item>${sub('3.1', 'Energimærke')}${sub('3.2', 'Termografi')}`,
    );
    const lines = parseUbl(withSubs, 'p.xml');
    expect(lines).toHaveLength(3);
    expect(lines[2]?.detail).toBe('Energimærke; Termografi');
    expect(lines[0]?.detail).toBeUndefined();
  });
});
