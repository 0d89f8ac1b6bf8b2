/** The e-invoice formats read; the customisation id of the document decides which. */
export type InvoiceFormat = 'PEPPOL-BIS-3' | 'OIOUBL-2' | 'OIOUBL-3' | 'EN16931' | 'UBL' | 'CSV';

/**
 * One line of a supplier invoice or credit note, the unit the CO₂ estimate works on. Credit notes count negative
 * (amount and quantity). Document-level allowances and charges are spread over the lines in proportion to
 * their amounts, so spend is net of discounts; line-level ones are already in a line's amount (UBL rule).
 */
export interface InvoiceLine {
  file: string;
  /** 1-based line in the file where the invoice line starts (where it can be known). */
  sourceLine: number | undefined;
  format: InvoiceFormat;
  documentId: string;
  documentType: 'invoice' | 'credit-note';
  issueDate: string;
  supplier: { name: string; id: string | undefined };
  lineId: string;
  description: string;
  quantity: number | undefined;
  /** UN/ECE Recommendation 20 code as sent (KWH, LTR, MTQ, EA, …). */
  unitCode: string | undefined;
  /** Net amount in the document currency, allowances/charges spread in. */
  amount: number;
  currency: string;
  /** UNSPSC code when the line carries one. */
  unspsc: string | undefined;
  /**
   * Every item classification code of the line with its scheme (UNCL 7143 list id as sent: TST/UNSPSC, CPV, IB for
   * ISBN, …); absent on lines stored before it was read.
   */
  codes?: { list: string; code: string }[];
  /** Item names of the line's sub-lines (UBL cac:SubInvoiceLine), which often say more than the line's own name. */
  detail?: string;
}

export class InvoiceFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    message: string,
  ) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${message}`);
    this.name = 'InvoiceFileError';
  }
}
