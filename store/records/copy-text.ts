/** A value COPY can take: text, a number, a boolean, an instant, or null. */
export type CopyValue = string | number | boolean | Date | null | undefined;

/** Rows already in COPY's text format ({@link prepareCopy}): rendered ahead, e.g. while an earlier write runs. */
export interface PreparedCopy {
  /** The rows, as text or as its UTF-8 bytes ({@link CopyWriter}). */
  readonly text: string | Uint8Array;
  readonly count: number;
}

/** Rows as given, or rendered ahead. */
export type CopyInput = readonly (readonly CopyValue[])[] | PreparedCopy;

/** Renders rows for COPY now, so that the write later only sends them. */
export function prepareCopy(rows: readonly (readonly CopyValue[])[]): PreparedCopy {
  return { text: copyText(rows), count: rows.length };
}

/**
 * Rows of one known shape written straight into bytes of COPY's text format, field by field: for a hot path, where
 * rendering each row as a string (a rope of a few dozen pieces, joined and encoded again) cost about three times
 * as much and most of the garbage. Each field is followed by a tab; {@link endRow} turns the last one into a newline.
 */
export class CopyWriter {
  private buf: Buffer;
  private pos = 0;
  private rows = 0;

  constructor(capacity = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /** A text value; null or undefined is NULL. */
  text(v: string | null | undefined): this {
    if (v === null || v === undefined) return this.ascii('\\N');
    const n = v.length;
    this.ensure(2 * n + 1);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < n; i++) {
      const c = v.charCodeAt(i);
      if (c >= 0x80) {
        // Beyond ASCII: the rest escaped as a string and encoded as UTF-8.
        const rest = copyField(v.slice(i));
        this.pos = pos;
        this.ensure(Buffer.byteLength(rest) + 1);
        this.pos += this.buf.write(rest, this.pos, 'utf8');
        this.buf[this.pos++] = 9;
        return this;
      }
      if (c === 0x5c || c === 0x09 || c === 0x0a || c === 0x0d) {
        buf[pos++] = 0x5c;
        buf[pos++] = c === 0x5c ? 0x5c : c === 0x09 ? 0x74 : c === 0x0a ? 0x6e : 0x72;
      } else buf[pos++] = c;
    }
    buf[pos++] = 9;
    this.pos = pos;
    return this;
  }

  /** An integer (rounded), e.g. epoch milliseconds; not finite is NULL. */
  int(v: number): this {
    if (!Number.isFinite(v)) return this.ascii('\\N');
    this.ensure(24);
    let n = Math.round(v);
    const buf = this.buf;
    if (n < 0) {
      buf[this.pos++] = 0x2d;
      n = -n;
    }
    if (n >= 1e9) {
      // Past 32 bits: the high digits, then the low nine with their zeros.
      const high = Math.floor(n / 1e9);
      this.digits(high, 0);
      this.digits(n - high * 1e9, 9);
    } else this.digits(n, 0);
    buf[this.pos++] = 9;
    return this;
  }

  /** A number to `decimals` places, written as an integer with an exponent (`8234e-4`): what a `real` column takes. */
  scaled(v: number | null | undefined, decimals: number): this {
    if (v === null || v === undefined || !Number.isFinite(v)) return this.ascii('\\N');
    this.int(v * 10 ** decimals);
    this.pos -= 1;
    return this.ascii(`e-${decimals}`);
  }

  /** Ends the row: its last field's tab becomes a newline. */
  endRow(): void {
    this.buf[this.pos - 1] = 0x0a;
    this.rows += 1;
  }

  /** The rows written, as bytes of their own. */
  finish(): PreparedCopy {
    return { text: Buffer.from(this.buf.subarray(0, this.pos)), count: this.rows };
  }

  private ascii(s: string): this {
    this.ensure(s.length + 1);
    for (let i = 0; i < s.length; i++) this.buf[this.pos++] = s.charCodeAt(i);
    this.buf[this.pos++] = 9;
    return this;
  }

  /** Decimal digits of a non-negative integer below 2³², at least `width` of them. */
  private digits(n: number, width: number): void {
    const buf = this.buf;
    let len = 1;
    for (let t = n; t >= 10; t = Math.floor(t / 10)) len += 1;
    if (len < width) len = width;
    let at = this.pos + len;
    this.pos = at;
    let t = n >>> 0;
    for (let k = 0; k < len; k++) {
      buf[--at] = 0x30 + (t % 10);
      t = (t / 10) >>> 0;
    }
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }
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

/** One value in COPY's text format. */
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
