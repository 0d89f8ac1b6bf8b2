import { pointTimeNs, type Point } from '../../core/index.js';

// Escaping rules of the InfluxDB line protocol: measurement: comma, space; tag keys/values and field keys:
// comma, equals sign, space; string field values: double quote and backslash (a newline inside the quotes is
// fine). A backslash in a tag is kept literally (InfluxDB 1.x does not unescape it, checked against influxd
// 1.6), so one at the end of a tag, which would escape the separator after it, is refused, as are newlines
// outside string fields, which cannot be escaped at all.
const MEASUREMENT_RE = /[, ]/g;
const TAG_RE = /[,= ]/g;
const STRING_RE = /["\\]/g;
const NEWLINE_RE = /[\n\r]/;
/** Anything that needs escaping or checking; most ids and names have none, and skip all the work below. */
const SPECIAL_RE = /[,= \\\n\r"]/;

function checkedTag(text: string, what: string): string {
  if (NEWLINE_RE.test(text)) throw new Error(`${what} contains a line break: ${JSON.stringify(text)}`);
  if (text.endsWith('\\')) throw new Error(`${what} ends with a backslash: ${JSON.stringify(text)}`);
  return text;
}

export function escapeMeasurement(name: string): string {
  if (!SPECIAL_RE.test(name)) return name;
  return checkedTag(name, 'measurement').replace(MEASUREMENT_RE, (c) => `\\${c}`);
}

export function escapeTagPart(text: string): string {
  if (!SPECIAL_RE.test(text)) return text;
  return checkedTag(text, 'tag').replace(TAG_RE, (c) => `\\${c}`);
}

function sortedKeys(tags: Record<string, string>): string[] {
  return sortedInPlace(Object.keys(tags));
}

function sortedInPlace(keys: string[]): string[] {
  for (let i = 1; i < keys.length; i++) {
    if ((keys[i - 1] as string) > (keys[i] as string)) return keys.sort();
  }
  return keys;
}

/** One line per point; tags sorted by key (InfluxDB's preferred order), empty tag values left out. */
export function toLine(point: Point): string {
  let line = escapeMeasurement(point.measurement);
  const tags = point.tags;
  for (const key of sortedKeys(tags)) {
    const value = tags[key];
    if (value) line += `,${escapeTagPart(key)}=${escapeTagPart(value)}`;
  }
  let separator = ' ';
  for (const key in point.fields) {
    const value = point.fields[key];
    let text: string;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) continue;
      text = String(value);
    } else if (typeof value === 'boolean') text = value ? 'true' : 'false';
    else
      text = `"${SPECIAL_RE.test(value as string) ? (value as string).replace(STRING_RE, (c) => `\\${c}`) : (value as string)}"`; // newlines are allowed inside quotes
    line += `${separator}${escapeTagPart(key)}=${text}`;
    separator = ',';
  }
  if (separator === ' ') throw new Error(`point of ${point.measurement} has no fields`);
  return `${line} ${pointTimeNs(point)}`;
}

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const COMMA = 0x2c;
const EQUALS = 0x3d;
const BACKSLASH = 0x5c;
const ZERO = 0x30;

/** The encoder's buffer to start with, and the most it keeps between batches (a larger one is let go). */
const INITIAL_BYTES = 64 * 1024;
const KEPT_BYTES = 4 * 1024 * 1024;

/**
 * Line protocol straight into bytes: exactly the UTF-8 of `points.map(toLine).join('\n')`, with the same errors,
 * without building a string per line or the joined text. Points are written into one growable buffer that is
 * reused from batch to batch; ASCII text is written char code by char code, escaping as it goes, other text (and any
 * point of unusual shape, say a field that is neither number, boolean nor string) takes `toLine`'s own path, so
 * the two cannot drift apart on the rare inputs. Not for use by two callers at once; `encode`'s result is a copy.
 */
export class LineProtocolEncoder {
  private buf = Buffer.allocUnsafe(INITIAL_BYTES);
  private pos = 0;
  /** The last tag keys seen, in their own order and sorted: points of one stream mostly share them. */
  private keyOrder: string[] = [];
  private sortedKeys: string[] = [];

  /** The points' lines, `\n` between them (none after the last), in a Buffer of the caller's own. */
  encode(points: readonly Point[]): Buffer {
    this.pos = 0;
    try {
      for (let i = 0; i < points.length; i++) {
        if (i > 0) {
          this.ensure(1);
          this.buf[this.pos++] = LF;
        }
        const point = points[i] as Point;
        const start = this.pos;
        if (!this.point(point)) {
          this.pos = start;
          this.text(toLine(point));
        }
      }
      const out = Buffer.allocUnsafe(this.pos);
      this.buf.copy(out, 0, 0, this.pos);
      return out;
    } finally {
      if (this.buf.length > KEPT_BYTES) this.buf = Buffer.allocUnsafe(INITIAL_BYTES);
    }
  }

  /** One line; false (and something half written) when the point needs `toLine`'s general path. */
  private point(point: Point): boolean {
    const measurement = point.measurement;
    if (typeof measurement !== 'string') return false;
    this.name(measurement, true);
    const tags = point.tags;
    const keys = this.tagKeys(tags);
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k] as string;
      const value = tags[key];
      if (!value) continue;
      if (typeof value !== 'string') return false;
      this.ensure(1);
      this.buf[this.pos++] = COMMA;
      this.name(key, false);
      this.ensure(1);
      this.buf[this.pos++] = EQUALS;
      this.name(value, false);
    }
    let separator = SPACE;
    const fields = point.fields;
    for (const key in fields) {
      const value = fields[key];
      const type = typeof value;
      if (type === 'number') {
        if (!Number.isFinite(value)) continue;
      } else if (type !== 'boolean' && type !== 'string') return false;
      this.ensure(1);
      this.buf[this.pos++] = separator;
      this.name(key, false);
      this.ensure(1);
      this.buf[this.pos++] = EQUALS;
      if (type === 'number') this.number(value as number);
      else if (type === 'boolean') this.ascii(value ? 'true' : 'false');
      else this.stringField(value as string);
      separator = COMMA;
    }
    if (separator === SPACE) throw new Error(`point of ${point.measurement} has no fields`);
    this.ensure(1);
    this.buf[this.pos++] = SPACE;
    this.time(point);
    return true;
  }

  /**
   * The tag keys sorted, as `toLine` orders them: the last sorted list again when the keys come in the same order as
   * last time (checked by walking them, which allocates nothing, where `Object.keys` makes an array per point).
   */
  private tagKeys(tags: Record<string, string>): string[] {
    const order = this.keyOrder;
    let i = 0;
    for (const key in tags) {
      if (order[i] !== key) return this.newTagKeys(tags);
      i++;
    }
    return i === order.length ? this.sortedKeys : this.newTagKeys(tags);
  }

  private newTagKeys(tags: Record<string, string>): string[] {
    const keys = Object.keys(tags);
    this.keyOrder = keys;
    this.sortedKeys = sortedInPlace([...keys]);
    return this.sortedKeys;
  }

  /** A measurement (`,` and space escaped) or tag key, tag value or field key (`=` too), checked as `toLine` does. */
  private name(text: string, measurement: boolean): void {
    const n = text.length;
    this.ensure(2 * n);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) {
        this.text(measurement ? escapeMeasurement(text) : escapeTagPart(text));
        return;
      }
      if (c === COMMA || c === SPACE || (c === EQUALS && !measurement)) buf[pos++] = BACKSLASH;
      else if (c === LF || c === CR) {
        throw new Error(
          `${measurement ? 'measurement' : 'tag'} contains a line break: ${JSON.stringify(text)}`,
        );
      }
      buf[pos++] = c;
    }
    if (n > 0 && text.charCodeAt(n - 1) === BACKSLASH) {
      throw new Error(
        `${measurement ? 'measurement' : 'tag'} ends with a backslash: ${JSON.stringify(text)}`,
      );
    }
    this.pos = pos;
  }

  /** A string field in double quotes, `"` and `\` escaped. */
  private stringField(value: string): void {
    const n = value.length;
    this.ensure(2 * n + 2);
    const buf = this.buf;
    let pos = this.pos;
    buf[pos++] = QUOTE;
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0x80) {
        this.text(`"${value.replace(STRING_RE, (s) => `\\${s}`)}"`);
        return;
      }
      if (c === QUOTE || c === BACKSLASH) buf[pos++] = BACKSLASH;
      buf[pos++] = c;
    }
    buf[pos++] = QUOTE;
    this.pos = pos;
  }

  /** As `String(value)`: integers digit by digit, other numbers through their string. */
  private number(value: number): void {
    if (Number.isSafeInteger(value)) {
      this.ensure(17);
      if (value < 0) {
        this.buf[this.pos++] = 0x2d; // '-'
        value = -value;
      }
      this.uint(value);
    } else this.ascii(String(value));
  }

  /** As `pointTimeNs`: the milliseconds, then the nanoseconds as six digits. */
  private time(point: Point): void {
    const ms = point.timeMs;
    const nanos = point.nanos ?? 0;
    if (Number.isSafeInteger(ms) && ms >= 0 && Number.isInteger(nanos) && nanos >= 0 && nanos < 1_000_000) {
      this.ensure(22);
      this.uint(ms);
      this.padded(nanos, 6);
    } else this.text(pointTimeNs(point));
  }

  /** A non-negative safe integer's decimal digits (room made by the caller), in integer arithmetic. */
  private uint(n: number): void {
    if (n <= 0x7fffffff) {
      this.int(n);
      return;
    }
    // Split at 10^9, both parts below 2^31. The quotient is exact enough to truncate: below 2^53 / 10^9 < 2^24 its
    // unit in the last place is at most 2^-29, less than twice the 10^-9 a fraction stays away from the next integer.
    const high = Math.trunc(n / 1e9);
    this.int(high);
    this.padded(n - high * 1e9, 9);
  }

  /** 0 … 2^31 - 1 in decimal (room made by the caller). */
  private int(n: number): void {
    let digits = 1;
    for (let x = n; x >= 10; x = (x / 10) | 0) digits++;
    const buf = this.buf;
    let pos = this.pos + digits;
    this.pos = pos;
    do {
      buf[--pos] = ZERO + (n % 10);
      n = (n / 10) | 0;
    } while (n > 0);
  }

  /** 0 … 10^width - 1 (below 2^31) as `width` digits, zeros in front (room made by the caller). */
  private padded(n: number, width: number): void {
    const buf = this.buf;
    const pos = this.pos;
    for (let i = width - 1; i >= 0; i--) {
      buf[pos + i] = ZERO + (n % 10);
      n = (n / 10) | 0;
    }
    this.pos = pos + width;
  }

  /** Text known to be ASCII. */
  private ascii(text: string): void {
    const n = text.length;
    this.ensure(n);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < n; i++) buf[pos++] = text.charCodeAt(i);
    this.pos = pos;
  }

  /** Any text, UTF-8 (a lone surrogate becomes U+FFFD, as in `Buffer.from`). */
  private text(text: string): void {
    this.ensure(3 * text.length);
    this.pos += this.buf.write(text, this.pos, 'utf8');
  }

  private ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.pos + bytes));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }
}
