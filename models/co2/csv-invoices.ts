import { csvHeaderProblem, parseCsv } from '../../core/index.js';
import { InvoiceFileError, type InvoiceLine } from './invoice-line.js';

export const INVOICE_CSV_COLUMNS = [
  'supplier',
  'supplier_id',
  'date',
  'description',
  'quantity',
  'unit',
  'amount',
  'currency',
  'unspsc',
] as const;
const REQUIRED = ['supplier', 'date', 'description', 'amount', 'currency'];

/**
 * The CSV export format (one invoice line per row): supplier, supplier_id, date (YYYY-MM-DD), description,
 * quantity, unit (UN/ECE Rec 20), amount (net, negative for credits), currency (ISO 4217), optional unspsc.
 * A bad header refuses the file; a bad row is reported with its line and the other rows are kept.
 */
export function parseInvoiceCsv(
  text: string,
  file: string,
): { lines: InvoiceLine[]; errors: InvoiceFileError[] } {
  const lines: InvoiceLine[] = [];
  const errors: InvoiceFileError[] = [];
  const checkHeader = (header: string[]) => {
    const problem = csvHeaderProblem(header, INVOICE_CSV_COLUMNS, REQUIRED);
    if (problem) throw new InvoiceFileError(file, 1, problem);
  };
  for (const row of parseCsv(text, checkHeader, file)) {
    const v = row.values;
    const fail = (message: string) => errors.push(new InvoiceFileError(file, row.line, message));
    if (row.error !== undefined) {
      fail(row.error);
      continue;
    }
    if (v.__columns !== undefined) {
      fail(`expected ${Object.keys(v).length - 1} columns, found ${v.__columns}`);
      continue;
    }
    const amount = Number(v.amount);
    const quantity = v.quantity ? Number(v.quantity) : undefined;
    if (!v.supplier) fail('supplier: missing');
    else if (!/^\d{4}-\d{2}-\d{2}$/.test(v.date ?? '') || Number.isNaN(Date.parse(v.date as string)))
      fail(`date: "${v.date}" is not YYYY-MM-DD`);
    else if (!v.amount || !Number.isFinite(amount)) fail(`amount: "${v.amount}" is not a number`);
    else if (quantity !== undefined && !Number.isFinite(quantity))
      fail(`quantity: "${v.quantity}" is not a number`);
    else if (!/^[A-Z]{3}$/.test(v.currency ?? '')) fail(`currency: "${v.currency}" is not an ISO 4217 code`);
    else {
      lines.push({
        file,
        sourceLine: row.line,
        format: 'CSV',
        documentId: `${file}:${row.line}`,
        documentType: amount < 0 ? 'credit-note' : 'invoice',
        issueDate: v.date as string,
        supplier: { name: v.supplier, id: v.supplier_id || undefined },
        lineId: String(row.line),
        description: v.description ?? '',
        quantity,
        unitCode: v.unit ? v.unit.toUpperCase() : undefined,
        amount,
        currency: v.currency as string,
        unspsc: v.unspsc || undefined,
      });
    }
  }
  return { lines, errors };
}
