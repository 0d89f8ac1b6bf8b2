export { parseUbl } from './ubl-parser.js';
export { InvoiceFileError, type InvoiceLine, type InvoiceFormat } from './invoice-line.js';
export { parseInvoiceCsv, INVOICE_CSV_COLUMNS } from './csv-invoices.js';
export { readInvoices, type InvoiceFile } from './read-invoices.js';
