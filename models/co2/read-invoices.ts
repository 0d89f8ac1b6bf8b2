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
      // Appended one by one: spreading a 228,000-line file into push() overflowed the call stack.
      if (text.trimStart().startsWith('<')) append(lines, parseUbl(text, name));
      else if (name.toLowerCase().endsWith('.csv')) {
        const csv = parseInvoiceCsv(text, name);
        append(lines, csv.lines);
        append(errors, csv.errors);
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

function append<T>(target: T[], items: readonly T[]): void {
  for (const item of items) target.push(item);
}
