/**
 * A small RFC 4180 CSV reader: a header line, comma-separated fields, double quotes around fields that hold
 * commas, quotes ("") or line breaks. Yields each row with its 1-based line number for error messages.
 */
export interface CsvRow {
  line: number;
  values: Record<string, string>;
}

export function* parseCsv(text: string, onHeader?: (header: string[]) => void): Generator<CsvRow> {
  let header: string[] | undefined;
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
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
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      yield* endRow();
      line++;
      rowLine = line;
    } else field += c;
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
  return unknown.length || missing.length ? parts.filter(Boolean).join('; ') : undefined;
}
