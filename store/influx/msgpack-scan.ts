import { GreenopsError } from '../../core/index.js';

/** Called once per row of a scan: the device's index, the time and the row's fields (NaN where null or not a number). */
export type ScanRowSink = (device: number, timeMs: number, values: Float64Array) => void;

// What a container is, from its parent and key: only these matter, everything else is walked over.
const OTHER = 0;
const TOP = 1;
const RESULTS = 2;
const RESULT = 3;
const SERIES_LIST = 4;
const SERIES = 5;
const TAGS = 6;
const VALUES = 7;
const MAX_DEPTH = 32;

/**
 * Decodes InfluxDB 1.x's MessagePack answer to a query (`Accept: application/x-msgpack`; with `chunked=true` a
 * stream of messages `{results: [{statement_id, series: [{name, tags, columns, values: [[time, ...fields]]}]}]}`)
 * as it arrives, piece by piece, straight into numbers: no object per row or value. The rows of series whose
 * `device` tag is in `devices` go to `sink` (the values array is reused for every row); other series are skipped. An
 * `error` in a message throws. Times must be numbers (the query asks for `epoch=ms`).
 *
 * Values are read atomically (a row at a time in `values`): bytes of an incomplete value or row wait for the next
 * piece, so a piece may end anywhere.
 */
export class MsgpackScanDecoder {
  private buf: Uint8Array = new Uint8Array(0);
  private view = new DataView(this.buf.buffer);
  private pos = 0;
  private depth = 0;
  private readonly left = new Float64Array(MAX_DEPTH);
  private readonly isMap = new Uint8Array(MAX_DEPTH);
  private readonly role = new Uint8Array(MAX_DEPTH);
  private readonly key: string[] = new Array<string>(MAX_DEPTH).fill('');
  private device = -1;
  private readonly values: Float64Array;
  /** The query, for error messages. */
  private readonly what: string;

  constructor(
    private readonly devices: ReadonlyMap<string, number>,
    width: number,
    private readonly sink: ScanRowSink,
    what = '',
  ) {
    this.values = new Float64Array(width);
    this.what = what;
  }

  /** Decodes what a piece completes; the bytes of an incomplete value are kept for the next piece. */
  push(piece: Uint8Array): void {
    const rest = this.buf.length - this.pos;
    if (rest === 0) this.buf = piece;
    else {
      const joined = new Uint8Array(rest + piece.length);
      joined.set(this.buf.subarray(this.pos), 0);
      joined.set(piece, rest);
      this.buf = joined;
    }
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.pos = 0;
    for (;;) {
      const d = this.depth;
      if (d > 0 && this.role[d - 1] === VALUES) {
        if (!this.row()) return;
      } else if (!this.token()) return;
    }
  }

  /** At the end of the response: throws if it stopped inside a message. */
  end(): void {
    if (this.depth > 0 || this.pos < this.buf.length)
      throw new GreenopsError('STORE_FAILED', `InfluxDB's MessagePack answer ended mid-message${this.what}`);
  }

  /** One row of a `values` array, whole or not at all. */
  private row(): boolean {
    const buf = this.buf;
    const view = this.view;
    const end = buf.length;
    let p = this.pos;
    if (p >= end) return false;
    const h = buf[p] as number;
    let n: number;
    if ((h & 0xf0) === 0x90) {
      n = h & 0x0f;
      p += 1;
    } else if (h === 0xdc) {
      if (p + 3 > end) return false;
      n = view.getUint16(p + 1);
      p += 3;
    } else if (h === 0xdd) {
      if (p + 5 > end) return false;
      n = view.getUint32(p + 1);
      p += 5;
    } else throw this.unexpected(h, 'a row');
    const values = this.values;
    const width = values.length;
    values.fill(Number.NaN);
    let timeMs = Number.NaN;
    for (let i = 0; i < n; i++) {
      if (p >= end) return false;
      const b = buf[p] as number;
      let v: number;
      if (b === 0xcb) {
        if (p + 9 > end) return false;
        v = view.getFloat64(p + 1);
        p += 9;
      } else if (b <= 0x7f) {
        v = b;
        p += 1;
      } else if (b === 0xd3) {
        if (p + 9 > end) return false;
        v = view.getInt32(p + 1) * 4294967296 + view.getUint32(p + 5);
        p += 9;
      } else if (b === 0xc0) {
        v = Number.NaN;
        p += 1;
      } else if (b === 0xc2 || b === 0xc3) {
        v = b - 0xc2;
        p += 1;
      } else if (b >= 0xe0) {
        v = b - 256;
        p += 1;
      } else {
        const size = scalarSize(buf, view, p, end);
        if (size < 0) return false;
        v = scalarNumber(b, view, p);
        if (size === 0 || v === NOT_A_SCALAR) throw this.unexpected(b, 'a row value');
        p += size;
      }
      if (i === 0) timeMs = v;
      else if (i <= width) values[i - 1] = v;
    }
    this.pos = p;
    if (this.device >= 0) {
      if (!Number.isFinite(timeMs))
        throw new GreenopsError('STORE_FAILED', `InfluxDB answered a row without a numeric time${this.what}`);
      this.sink(this.device, timeMs, values);
    }
    this.item();
    return true;
  }

  /** One token outside the rows: a container's header, a key or a scalar. */
  private token(): boolean {
    const buf = this.buf;
    const view = this.view;
    const end = buf.length;
    const p = this.pos;
    if (p >= end) return false;
    const b = buf[p] as number;
    // Containers.
    let n = -1;
    let map = false;
    let header = 1;
    if ((b & 0xf0) === 0x80) [n, map] = [b & 0x0f, true];
    else if ((b & 0xf0) === 0x90) n = b & 0x0f;
    else if (b === 0xdc || b === 0xde) {
      if (p + 3 > end) return false;
      [n, map, header] = [view.getUint16(p + 1), b === 0xde, 3];
    } else if (b === 0xdd || b === 0xdf) {
      if (p + 5 > end) return false;
      [n, map, header] = [view.getUint32(p + 1), b === 0xdf, 5];
    }
    const d = this.depth;
    const inMap = d > 0 && this.isMap[d - 1] === 1;
    const isKey = inMap && (this.left[d - 1] as number) % 2 === 0;
    if (n >= 0) {
      if (isKey) throw this.unexpected(b, 'a key');
      this.pos = p + header;
      if (n === 0) {
        this.item();
        return true;
      }
      if (d >= MAX_DEPTH) throw this.unexpected(b, 'a value nested this deep');
      const parent = d > 0 ? this.role[d - 1] : OTHER;
      const key = d > 0 ? this.key[d - 1] : '';
      let role = OTHER;
      if (d === 0) role = map ? TOP : OTHER;
      else if (parent === TOP && key === 'results' && !map) role = RESULTS;
      else if (parent === RESULTS && map) role = RESULT;
      else if (parent === RESULT && key === 'series' && !map) role = SERIES_LIST;
      else if (parent === SERIES_LIST && map) role = SERIES;
      else if (parent === SERIES && key === 'tags' && map) role = TAGS;
      else if (parent === SERIES && key === 'values' && !map) role = VALUES;
      if (role === SERIES) this.device = -1; // a series names its device in its tags, before its values
      this.left[d] = map ? 2 * n : n;
      this.isMap[d] = map ? 1 : 0;
      this.role[d] = role;
      this.key[d] = '';
      this.depth = d + 1;
      return true;
    }
    const size = scalarSize(buf, view, p, end);
    if (size < 0) return false;
    if (size === 0) throw this.unexpected(b, 'a value');
    this.pos = p + size;
    const text = isString(b)
      ? UTF8.decode(buf.subarray(p + size - stringLength(buf, view, p), p + size))
      : undefined;
    if (isKey) {
      if (text === undefined) throw this.unexpected(b, 'a key');
      this.key[d - 1] = text;
    } else if (inMap && text !== undefined) {
      const role = this.role[d - 1];
      const key = this.key[d - 1];
      if (role === TAGS && key === 'device') this.device = this.devices.get(text) ?? -1;
      else if ((role === TOP || role === RESULT) && key === 'error')
        throw new GreenopsError('STORE_FAILED', `InfluxQL error: ${text}${this.what}`);
    }
    this.item();
    return true;
  }

  /** A value (or key) is complete: count it off its container, closing the containers it completes. */
  private item(): void {
    while (this.depth > 0) {
      const d = this.depth - 1;
      const left = (this.left[d] as number) - 1;
      this.left[d] = left;
      if (left > 0) return;
      this.depth = d;
    }
  }

  private unexpected(byte: number, where: string): GreenopsError {
    return new GreenopsError(
      'STORE_FAILED',
      `unexpected MessagePack type 0x${byte.toString(16)} for ${where} in InfluxDB's answer${this.what}`,
    );
  }
}

const NOT_A_SCALAR = Number.NEGATIVE_INFINITY;
const UTF8 = new TextDecoder();

function isString(b: number): boolean {
  return (b & 0xe0) === 0xa0 || b === 0xd9 || b === 0xda || b === 0xdb;
}

/** A string token's payload length (its bytes end the token). */
function stringLength(buf: Uint8Array, view: DataView, p: number): number {
  const b = buf[p] as number;
  if ((b & 0xe0) === 0xa0) return b & 0x1f;
  if (b === 0xd9) return buf[p + 1] as number;
  if (b === 0xda) return view.getUint16(p + 1);
  return view.getUint32(p + 1);
}

/** Bytes of the scalar at p, -1 when they are not all there yet; containers are not scalars (0). */
function scalarSize(buf: Uint8Array, view: DataView, p: number, end: number): number {
  const b = buf[p] as number;
  let size: number;
  if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) size = 1;
  else if ((b & 0xe0) === 0xa0) size = 1 + (b & 0x1f);
  else {
    const fixed: Record<number, number> = FIXED;
    const f = fixed[b];
    if (f !== undefined) size = f;
    else {
      // Lengths that follow the type byte: str, bin (8/16/32), ext (8/16/32, one more byte for the type).
      const lenBytes =
        b === 0xd9 || b === 0xc4 || b === 0xc7
          ? 1
          : b === 0xda || b === 0xc5 || b === 0xc8
            ? 2
            : b === 0xdb || b === 0xc6 || b === 0xc9
              ? 4
              : 0;
      if (lenBytes === 0) return 0;
      if (p + 1 + lenBytes > end) return -1;
      const len =
        lenBytes === 1
          ? (buf[p + 1] as number)
          : lenBytes === 2
            ? view.getUint16(p + 1)
            : view.getUint32(p + 1);
      size = 1 + lenBytes + len + (b >= 0xc7 && b <= 0xc9 ? 1 : 0);
    }
  }
  return p + size > end ? -1 : size;
}

/** Sizes of the fixed-size types: float 32/64, (u)int 8–64, fixext 1–16. */
const FIXED: Record<number, number> = {
  0xca: 5,
  0xcb: 9,
  0xcc: 2,
  0xcd: 3,
  0xce: 5,
  0xcf: 9,
  0xd0: 2,
  0xd1: 3,
  0xd2: 5,
  0xd3: 9,
  0xd4: 3,
  0xd5: 4,
  0xd6: 6,
  0xd7: 10,
  0xd8: 18,
};

/** The number a complete scalar at p stands for in a row: numbers as they are, anything else NaN. */
function scalarNumber(b: number, view: DataView, p: number): number {
  switch (b) {
    case 0xca:
      return view.getFloat32(p + 1);
    case 0xcb:
      return view.getFloat64(p + 1);
    case 0xcc:
      return view.getUint8(p + 1);
    case 0xcd:
      return view.getUint16(p + 1);
    case 0xce:
      return view.getUint32(p + 1);
    case 0xcf:
      return view.getUint32(p + 1) * 4294967296 + view.getUint32(p + 5);
    case 0xd0:
      return view.getInt8(p + 1);
    case 0xd1:
      return view.getInt16(p + 1);
    case 0xd2:
      return view.getInt32(p + 1);
    case 0xd3:
      return view.getInt32(p + 1) * 4294967296 + view.getUint32(p + 5);
    default:
      // Containers have no size as scalars: not expected inside a row.
      if ((b & 0xf0) === 0x80 || (b & 0xf0) === 0x90 || (b >= 0xdc && b <= 0xdf)) return NOT_A_SCALAR;
      return Number.NaN; // text, binary, extensions
  }
}
