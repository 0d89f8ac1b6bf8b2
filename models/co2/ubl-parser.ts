import { createRequire } from 'node:module';
import { InvoiceFileError, type InvoiceFormat, type InvoiceLine } from './invoice-line.js';

type Saxes = typeof import('saxes');
let saxes: Saxes | undefined;

/**
 * saxes, required on the first invoice parsed rather than at import (it is CommonJS, so parseUbl stays synchronous):
 * every greenops process imports this module through the models index, the ingest role too, and only an invoice
 * import or the API's invoice upload ever parses XML.
 */
function saxesParser(): Saxes['SaxesParser'] {
  saxes ??= createRequire(import.meta.url)('saxes') as Saxes;
  return saxes.SaxesParser;
}

type Node = Record<string, unknown>;

/** Elements read as lists even when an invoice has one of them. */
const ARRAYS = new Set([
  'InvoiceLine',
  'CreditNoteLine',
  'AllowanceCharge',
  'CommodityClassification',
  'Description',
  'SubInvoiceLine',
  'SubCreditNoteLine',
]);

/**
 * Reads a UBL 2.1 Invoice or CreditNote: OIOUBL 2.0.2/2.1, OIOUBL 3.0, Peppol BIS Billing 3.0 and other
 * EN 16931 profiles share the UBL syntax and differ in their customisation id. Namespace prefixes are ignored.
 * Throws InvoiceFileError naming the file (and line) when the file is not well-formed, is not an invoice or credit
 * note, or misses what every line needs.
 */
export function parseUbl(original: string, file: string): InvoiceLine[] {
  // Attachments (base64 PDFs of the invoice, often 100 times the size of its lines) are cut before parsing: nothing
  // is read from them, and scanning them made real invoices 26 kB of XML per line.
  const xml = withoutAttachments(original);
  const { doc, starts } = readTree(xml, file);
  const rootName = Object.keys(doc).find((k) => k === 'Invoice' || k === 'CreditNote');
  if (!rootName) {
    const found = Object.keys(doc).filter((k) => !k.startsWith('?'))[0];
    if (found === 'CrossIndustryInvoice')
      throw new InvoiceFileError(
        file,
        lineOf(xml, 'CrossIndustryInvoice'),
        "UN/CEFACT CII, EN 16931's other syntax, is not read: send the invoice as UBL (OIOUBL or Peppol BIS)",
      );
    throw new InvoiceFileError(file, 1, `not a UBL Invoice or CreditNote (root element ${found ?? 'none'})`);
  }
  const root = doc[rootName] as Node;
  const creditNote = rootName === 'CreditNote';
  const sign = creditNote ? -1 : 1;
  const format = formatOf(text(root.CustomizationID));
  const documentId = required(text(root.ID), file, xml, 'cbc:ID');
  const issueDate = required(text(root.IssueDate), file, xml, 'cbc:IssueDate');
  const currency = required(text(root.DocumentCurrencyCode), file, xml, 'cbc:DocumentCurrencyCode');
  const party = ((root.AccountingSupplierParty as Node | undefined)?.Party ?? {}) as Node;
  const supplierName =
    text(((party.PartyName as Node | undefined) ?? {}).Name) ??
    text(((party.PartyLegalEntity as Node | undefined) ?? {}).RegistrationName);
  if (!supplierName)
    throw new InvoiceFileError(
      file,
      lineOf(xml, 'AccountingSupplierParty'),
      'the supplier has no name (cac:PartyName or cac:PartyLegalEntity)',
    );
  const supplierId =
    text(((party.PartyLegalEntity as Node | undefined) ?? {}).CompanyID) ??
    text(((party.PartyTaxScheme as Node | undefined) ?? {}).CompanyID) ??
    text(((party.PartyIdentification as Node | undefined) ?? {}).ID) ??
    text(party.EndpointID);

  const rawLines = (root[creditNote ? 'CreditNoteLine' : 'InvoiceLine'] as Node[] | undefined) ?? [];
  if (rawLines.length === 0)
    throw new InvoiceFileError(file, undefined, `no cac:${creditNote ? 'CreditNoteLine' : 'InvoiceLine'}`);
  const lines: InvoiceLine[] = rawLines.map((l, i) => {
    const sourceLine = starts[i];
    const quantityNode = l[creditNote ? 'CreditedQuantity' : 'InvoicedQuantity'];
    const amountText = text(l.LineExtensionAmount);
    const amount = Number(amountText);
    if (amountText === undefined || !Number.isFinite(amount)) {
      throw new InvoiceFileError(
        file,
        sourceLine,
        `line ${text(l.ID) ?? i + 1}: cbc:LineExtensionAmount is missing or not a number`,
      );
    }
    const item = (l.Item ?? {}) as Node;
    // Name and Description often repeat each other (OIOUBL senders fill both); each text counts once.
    const description = [
      ...new Set(
        [text(item.Name), ...((item.Description as unknown[] | undefined) ?? []).map(text)].filter(
          (t): t is string => t !== undefined,
        ),
      ),
    ].join(' — ');
    const quantity = text(quantityNode);
    const codes = codesOf(item);
    const detail = subLineNames(l);
    return {
      file,
      sourceLine,
      format,
      documentId,
      documentType: creditNote ? 'credit-note' : 'invoice',
      issueDate,
      supplier: { name: supplierName, id: supplierId },
      lineId: text(l.ID) ?? String(i + 1),
      description,
      quantity: quantity === undefined ? undefined : sign * Number(quantity),
      unitCode: attribute(quantityNode, 'unitCode'),
      amount: sign * amount,
      currency: attribute(l.LineExtensionAmount, 'currencyID') ?? currency,
      unspsc: unspscOf(item),
      ...(codes.length > 0 ? { codes } : {}),
      ...(detail ? { detail } : {}),
    };
  });

  // Document-level allowances (discounts) and charges (fees) change what was spent on each line.
  let adjustment = 0;
  for (const ac of (root.AllowanceCharge as Node[] | undefined) ?? []) {
    const value = Number(text(ac.Amount));
    if (!Number.isFinite(value)) continue;
    adjustment += (text(ac.ChargeIndicator) === 'true' ? 1 : -1) * sign * value;
  }
  const gross = lines.reduce((s, l) => s + l.amount, 0);
  if (adjustment !== 0 && gross !== 0) for (const l of lines) l.amount += (adjustment * l.amount) / gross;
  return lines;
}

function formatOf(customization: string | undefined): InvoiceFormat {
  const c = (customization ?? '').toLowerCase();
  if (c.includes('peppol.eu:2017:poacc:billing:3.0')) return 'PEPPOL-BIS-3';
  if (c.includes('oioubl') && /(^|[^0-9])3(\.0)?/.test(c)) return 'OIOUBL-3';
  if (c.includes('oioubl')) return 'OIOUBL-2';
  if (c.includes('en16931')) return 'EN16931';
  return 'UBL';
}

/** UNSPSC from an item's commodity classification (listID "UNSPSC", or UNCL 7143 code "TST"). */
function unspscOf(item: Node): string | undefined {
  for (const c of (item.CommodityClassification as Node[] | undefined) ?? []) {
    const code = c.ItemClassificationCode;
    const list = (attribute(code, 'listID') ?? '').toUpperCase();
    if (list === 'UNSPSC' || list === 'TST') return text(code);
  }
  return undefined;
}

/** All commodity classification codes of an item, with their scheme (listID, upper-cased; "" when absent). */
function codesOf(item: Node): { list: string; code: string }[] {
  const out: { list: string; code: string }[] = [];
  for (const c of (item.CommodityClassification as Node[] | undefined) ?? []) {
    const code = text(c.ItemClassificationCode);
    if (code) out.push({ list: (attribute(c.ItemClassificationCode, 'listID') ?? '').toUpperCase(), code });
  }
  return out;
}

/** Item names of the sub-lines (and their sub-lines), distinct, in document order, at most 20. */
function subLineNames(line: Node): string | undefined {
  const names = new Set<string>();
  const walk = (l: Node) => {
    for (const sub of [
      ...((l.SubInvoiceLine as Node[] | undefined) ?? []),
      ...((l.SubCreditNoteLine as Node[] | undefined) ?? []),
    ]) {
      const name = text(((sub.Item ?? {}) as Node).Name);
      if (name && names.size < 20) names.add(name);
      walk(sub);
    }
  };
  walk(line);
  return names.size > 0 ? [...names].join('; ') : undefined;
}

function text(node: unknown): string | undefined {
  if (node === undefined || node === null) return undefined;
  if (typeof node === 'string' || typeof node === 'number' || typeof node === 'boolean')
    return String(node).trim() || undefined;
  const value = (node as Node)['#text'];
  return value === undefined ? undefined : String(value).trim() || undefined;
}

function attribute(node: unknown, name: string): string | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const value = (node as Node)[`@${name}`];
  return value === undefined ? undefined : String(value);
}

function required(value: string | undefined, file: string, xml: string, element: string): string {
  if (value === undefined)
    throw new InvoiceFileError(file, lineOf(xml, element.split(':')[1] as string), `${element} is missing`);
  return value;
}

/** 1-based line of each opening `<…:name` element, in document order (newlines counted once, as the scan goes). */
function lineStarts(xml: string, name: string): number[] {
  const re = new RegExp(`<(?:[\\w.-]+:)?${name}[\\s>]`, 'g');
  const starts: number[] = [];
  let line = 1;
  let at = 0;
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    for (let nl = xml.indexOf('\n', at); nl !== -1 && nl < m.index; nl = xml.indexOf('\n', nl + 1)) line++;
    at = m.index;
    starts.push(line);
  }
  return starts;
}

/** Parts of an invoice that no estimate reads: checked to be well-formed, but no tree is built for them. */
const UNREAD = new Set([
  'AccountingCustomerParty',
  'PayeeParty',
  'TaxRepresentativeParty',
  'BuyerCustomerParty',
  'SellerSupplierParty',
  'Delivery',
  'DeliveryTerms',
  'PaymentMeans',
  'PaymentTerms',
  'TaxTotal',
  'WithholdingTaxTotal',
  'LegalMonetaryTotal',
  'AdditionalDocumentReference',
  'ContractDocumentReference',
  'DespatchDocumentReference',
  'ReceiptDocumentReference',
  'OriginatorDocumentReference',
  'ProjectReference',
  'OrderReference',
  'BillingReference',
  'Signature',
  'UBLExtensions',
  // Inside lines: price details, tax category, item properties and identifiers, references, periods, notes.
  'Price',
  'ClassifiedTaxCategory',
  'AdditionalItemProperty',
  'StandardItemIdentification',
  'SellersItemIdentification',
  'BuyersItemIdentification',
  'ManufacturersItemIdentification',
  'OriginCountry',
  'OrderLineReference',
  'DocumentReference',
  'InvoicePeriod',
  'Note',
]);

const localName = (name: string) => {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
};

interface Frame {
  name: string;
  node: Node;
  text: string;
}

/**
 * One strict pass over the document (saxes: well-formedness, entities, CDATA) that builds plain objects for the
 * parts an estimate reads: element names without their namespace prefix, attributes as `@name`, text as `#text`
 * (or the element's value when it has neither attributes nor children), the ARRAYS elements always as lists.
 * Returns the root as `{ [rootName]: node }` and the 1-based line of each invoice or credit-note line element.
 * Throws InvoiceFileError naming the file and line of the first well-formedness error.
 */
function readTree(xml: string, file: string): { doc: Node; starts: number[] } {
  const SaxesParser = saxesParser();
  const parser = new SaxesParser({ position: true });
  const doc: Node = {};
  const starts: number[] = [];
  const stack: Frame[] = [];
  const open: string[] = []; // every open element, read or not, for the cut-short message
  let skipping = 0;
  let ending = false;
  let lastClosed = '';
  parser.on('error', (err) => {
    if (ending && open.length > 0)
      // Tags still open at the end: the file was cut short.
      throw new InvoiceFileError(
        file,
        xml.trimEnd().split('\n').length,
        `not well-formed XML: unexpected end of file, ${open.length} elements still open (innermost <${open.at(-1)}>); was the file cut short?`,
      );
    const message = err.message.replace(/^\d+:\d+: /, '');
    // saxes has already closed the element left open when it reports the close tag that does not match it.
    const unclosed = message === 'unexpected close tag.' ? ` <${lastClosed}> is not closed` : '';
    throw new InvoiceFileError(file, parser.line, `not well-formed XML: ${message}${unclosed}`);
  });
  parser.on('opentag', (tag) => {
    open.push(tag.name);
    if (skipping > 0) {
      skipping++;
      return;
    }
    const name = localName(tag.name);
    if (UNREAD.has(name)) {
      skipping = 1;
      return;
    }
    if (stack.length === 1 && (name === 'InvoiceLine' || name === 'CreditNoteLine')) starts.push(parser.line);
    const node: Node = {};
    for (const [attr, value] of Object.entries(tag.attributes)) {
      if (attr !== 'xmlns' && !attr.startsWith('xmlns:')) node[`@${localName(attr)}`] = value;
    }
    stack.push({ name, node, text: '' });
  });
  const onText = (text: string) => {
    if (skipping === 0 && stack.length > 0) (stack.at(-1) as Frame).text += text;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', (tag) => {
    lastClosed = tag.name;
    open.pop();
    if (skipping > 0) {
      skipping--;
      return;
    }
    const { name, node, text } = stack.pop() as Frame;
    const trimmed = text.trim();
    let value: unknown = node;
    if (Object.keys(node).length === 0) value = trimmed;
    else if (trimmed !== '') node['#text'] = trimmed;
    const parent = stack.length > 0 ? (stack.at(-1) as Frame).node : doc;
    const existing = parent[name];
    if (ARRAYS.has(name)) {
      if (Array.isArray(existing)) existing.push(value);
      else parent[name] = [value];
    } else if (existing === undefined) parent[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else parent[name] = [existing, value];
  });
  parser.write(xml);
  ending = true;
  parser.close();
  return { doc, starts };
}

const ATTACHMENT = /<((?:[\w.-]+:)?EmbeddedDocumentBinaryObject)\b[^>]*>/g;

/**
 * The document with the content of every cbc:EmbeddedDocumentBinaryObject replaced by as many newlines as it had,
 * so line numbers stay those of the file. Base64 content holds no `<`, so its end is the next closing tag.
 */
export function withoutAttachments(xml: string): string {
  if (!xml.includes('EmbeddedDocumentBinaryObject')) return xml;
  let out = '';
  let last = 0;
  ATTACHMENT.lastIndex = 0;
  for (let m = ATTACHMENT.exec(xml); m; m = ATTACHMENT.exec(xml)) {
    if (m[0].endsWith('/>')) continue;
    const start = m.index + m[0].length;
    const close = xml.indexOf(`</${m[1]}>`, start);
    if (close === -1) break;
    let newlines = 0;
    for (let nl = xml.indexOf('\n', start); nl !== -1 && nl < close; nl = xml.indexOf('\n', nl + 1))
      newlines++;
    out += xml.slice(last, start) + '\n'.repeat(newlines);
    last = close;
    ATTACHMENT.lastIndex = close;
  }
  return out + xml.slice(last);
}

function lineOf(xml: string, name: string): number | undefined {
  return lineStarts(xml, name)[0];
}
