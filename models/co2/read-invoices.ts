import { parseInvoiceCsv } from './csv-invoices.js';
import { InvoiceFileError, type InvoiceLine } from './invoice-line.js';
import { parseUbl } from './ubl-parser.js';

export interface InvoiceFile {
  name: string;
  text: string;
}

/**
 * Reads every file on its own: a malformed or unknown file gets an error naming it (and the line where that is
 * known) while the other files are processed. UBL XML is recognised by content, the CSV export by its name.
 */
export function readInvoices(files: readonly InvoiceFile[]): {
  lines: InvoiceLine[];
  errors: InvoiceFileError[];
} {
  const lines: InvoiceLine[] = [];
  const errors: InvoiceFileError[] = [];
  for (const { name, text } of files) {
    try {
      if (text.trimStart().startsWith('<')) lines.push(...parseUbl(text, name));
      else if (name.toLowerCase().endsWith('.csv')) {
        const csv = parseInvoiceCsv(text, name);
        lines.push(...csv.lines);
        errors.push(...csv.errors);
      } else
        errors.push(
          new InvoiceFileError(
            name,
            undefined,
            'unknown file type: expected UBL XML (OIOUBL, Peppol BIS) or the CSV export',
          ),
        );
    } catch (err) {
      errors.push(
        err instanceof InvoiceFileError ? err : new InvoiceFileError(name, undefined, (err as Error).message),
      );
    }
  }
  return { lines, errors };
}
