import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readInvoices } from './read-invoices.js';

const fixture = (name: string) => ({
  name,
  text: readFileSync(new URL(`../../test/fixtures/invoices/${name}`, import.meta.url), 'utf8'),
});

describe('reading a batch of invoice files', () => {
  it('processes the good files and names the bad ones with their line', () => {
    const { lines, errors } = readInvoices([
      fixture('peppol-bis3-invoice.xml'),
      fixture('broken.xml'),
      fixture('export.csv'),
      fixture('oioubl-21-creditnote.xml'),
      { name: 'notes.txt', text: 'hello' },
      fixture('order.xml'),
    ]);
    expect(lines.map((l) => `${l.file}#${l.lineId}`)).toEqual([
      'peppol-bis3-invoice.xml#1',
      'peppol-bis3-invoice.xml#2',
      'peppol-bis3-invoice.xml#3',
      'export.csv#2',
      'export.csv#3',
      'export.csv#4',
      'oioubl-21-creditnote.xml#1',
    ]);
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/^broken\.xml:5: not well-formed XML/),
      'export.csv:5: date: "31/01/2026" is not YYYY-MM-DD',
      'notes.txt: unknown file type: expected UBL XML (OIOUBL, Peppol BIS) or the CSV export',
      'order.xml:1: not a UBL Invoice or CreditNote (root element Order)',
    ]);
  });

  it('reads the CSV export: quoted descriptions, credits negative, optional UNSPSC', () => {
    const { lines } = readInvoices([fixture('export.csv')]);
    expect(lines[0]).toMatchObject({
      format: 'CSV',
      supplier: { name: 'Nordisk Energi A/S', id: 'DK12345678' },
      description: 'Elforbrug januar, Rådhuset',
      quantity: 11800,
      unitCode: 'KWH',
      amount: 23600,
      unspsc: '83101801',
    });
    expect(lines[2]).toMatchObject({
      documentType: 'credit-note',
      quantity: -5,
      amount: -236.31,
      unspsc: undefined,
    });
  });

  it('reads a CSV export of 250,000 lines without overflowing the call stack', () => {
    const [header, row] = fixture('export.csv').text.split('\n');
    const text = [header, ...Array.from({ length: 250_000 }, () => row)].join('\n');
    const { lines, errors } = readInvoices([{ name: 'big.csv', text }]);
    expect(errors).toEqual([]);
    expect(lines).toHaveLength(250_000);
  });

  it('reports each line lost to an unterminated quote as an error, naming where the quote opened', () => {
    const [header, , row] = fixture('export.csv').text.split('\n'); // a row without quotes
    const text = [header, row, row?.replace(/,([^,]*)$/, ',"$1'), row, row].join('\n');
    const { lines, errors } = readInvoices([{ name: 'q.csv', text }]);
    expect(lines).toHaveLength(1);
    expect(errors.map((e) => e.message)).toEqual(
      [3, 4, 5].map(
        (l) =>
          `q.csv:${l}: unterminated quote opened on line 3: lines 3–5 (to the end of the file) could not be read`,
      ),
    );
  });

  it('refuses a CSV whose header is not the export format, naming the columns', () => {
    const { errors } = readInvoices([{ name: 'x.csv', text: 'vendor,date,text,amount\nA,2026-01-01,b,1\n' }]);
    expect(errors[0]?.message).toBe(
      'x.csv:1: unknown column(s) vendor, text; missing column(s) supplier, description, currency',
    );
  });
});
