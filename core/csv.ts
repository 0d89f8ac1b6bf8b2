import { GreenopsError } from './errors.js';

/**
 * A small RFC 4180 CSV reader: a header line, comma-separated fields, double quotes around fields that hold
 * commas, quotes ("") or line breaks. Yields each row with its 1-based line number for error messages.
 *
 * A quote that is never closed swallows the rest of the file. Instead of losing those lines silently, the reader
 * yields one row per non-blank line it could not read, each with `error` set (naming the line where the quote
 * opened) and empty `values`, so that every caller counts them as rejected rows the same way as other bad rows.
 */
export interface CsvRow {
  line: number;
  values: Record<string, string>;
  /** Set when the line could not be read at all (an unterminated quote); `values` is then empty. */
  error?: string;
}

/** The reason given for each line lost to a quote that is never closed. */
export function unterminatedQuoteReason(quoteLine: number, firstLine: number, lastLine: number): string {
  const lines = firstLine === lastLine ? `line ${firstLine}` : `lines ${firstLine}–${lastLine}`;
  return `unterminated quote opened on line ${quoteLine}: ${lines} (to the end of the file) could not be read`;
}

export function* parseCsv(
  text: string,
  onHeader?: (header: string[]) => void,
  file?: string,
): Generator<CsvRow> {
  let header: string[] | undefined;
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let rowStart = 0;
  let quoteLine = 1;
  const endRow = function* (): Generator<CsvRow> {
    fields.push(field);
    field = '';
    const row = fields;
    fields = [];
    if (row.length === 1 && row[0] === '') return; // blank line
    if (!header) {
      header = row.map((h) => h.trim());
      onHeader?.(header);
      return;
    }
    const values: Record<string, string> = {};
    header.forEach((name, i) => (values[name] = (row[i] ?? '').trim()));
    if (row.length !== header.length) values.__columns = String(row.length);
    yield { line: rowLine, values };
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
      quoteLine = line;
    } else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      yield* endRow();
      line++;
      rowLine = line;
      rowStart = i + 1;
    } else field += c;
  }
  if (quoted) {
    const lost = text
      .slice(rowStart)
      .split(/\r\n|\r|\n/)
      .map((content, k) => ({ line: rowLine + k, blank: content.trim() === '' }))
      .filter((l) => !l.blank);
    const last = lost[lost.length - 1]?.line ?? rowLine;
    const reason = unterminatedQuoteReason(quoteLine, rowLine, last);
    if (!header)
      throw new GreenopsError(
        'INVALID_INPUT_FILE',
        `${file ?? 'CSV'}:${quoteLine}: ${reason} (in the header)`,
      );
    for (const l of lost) yield { line: l.line, values: {}, error: reason };
    return;
  }
  if (field !== '' || fields.length > 0) yield* endRow();
}

/** What is wrong with a CSV header: unknown and missing columns, or undefined when it is fine. */
export function csvHeaderProblem(
  header: readonly string[],
  known: readonly string[],
  required: readonly string[],
): string | undefined {
  const unknown = header.filter((h) => !known.includes(h));
  const missing = required.filter((r) => !header.includes(r));
  const parts = [
    unknown.length ? `unknown column(s) ${unknown.join(', ')}` : '',
    missing.length ? `missing column(s) ${missing.join(', ')}` : '',
  ];
  if (!unknown.length && !missing.length) return undefined;
  const semicolons = header.length === 1 && (header[0] ?? '').includes(';');
  return (
    parts.filter(Boolean).join('; ') +
    (semicolons
      ? ' — the header is separated by semicolons (;): save the file with commas (,) as the separator, and a point as decimal mark'
      : '')
  );
}
