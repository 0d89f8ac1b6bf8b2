/** A value COPY can take: text, a number, a boolean, an instant, or null. */
export type CopyValue = string | number | boolean | Date | null | undefined;

/** Rows already in COPY's text format ({@link prepareCopy}): rendered ahead, e.g. while an earlier write runs. */
export interface PreparedCopy {
  readonly text: string;
  readonly count: number;
}

/** Rows as given, or rendered ahead. */
export type CopyInput = readonly (readonly CopyValue[])[] | PreparedCopy;

/** Renders rows for COPY now, so that the write later only sends them. */
export function prepareCopy(rows: readonly (readonly CopyValue[])[]): PreparedCopy {
  return { text: copyText(rows), count: rows.length };
}

/** Lines the caller rendered itself (fields by {@link copyField}, joined by tabs): for a hot path with one known row shape. */
export function copyLines(lines: readonly string[]): PreparedCopy {
  return { text: lines.length === 0 ? '' : `${lines.join('\n')}\n`, count: lines.length };
}

/** The text of rows given either way, and how many there are. */
export function copyInput(input: CopyInput): PreparedCopy {
  return 'text' in input ? input : prepareCopy(input as readonly (readonly CopyValue[])[]);
}

/**
 * Rows in COPY's text format (tab-separated, `\N` for null, backslash escapes): what `COPY … FROM STDIN` reads on
 * PostgreSQL and `COPY … FROM '/dev/blob'` on PGlite. A bulk append this way costs the server a fraction of an
 * INSERT with parameters.
 */
export function copyText(rows: readonly (readonly CopyValue[])[]): string {
  const lines: string[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as readonly CopyValue[];
    const fields: string[] = new Array(row.length);
    for (let j = 0; j < row.length; j++) fields[j] = copyField(row[j]);
    lines[i] = fields.join('\t');
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** One value in COPY's text format: what a caller rendering its own lines ({@link copyLines}) puts between tabs. */
export function copyField(v: CopyValue): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'string') return /[\\\t\n\r]/.test(v) ? v.replace(/[\\\t\n\r]/g, escape) : v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v) && !Number.isNaN(v)) return v > 0 ? 'Infinity' : '-Infinity';
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 't' : 'f';
  return v.toISOString();
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const escape = (c: string): string => ESCAPES[c] as string;

/** A table or column name as a quoted identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function copySql(table: string, columns: readonly string[], source: string): string {
  return `COPY ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) FROM ${source}`;
}
