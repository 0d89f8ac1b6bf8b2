import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Point } from '../../core/index.js';
import { LineProtocolEncoder, toLine } from './line-protocol.js';

describe('line protocol', () => {
  it('escapes tags and string fields and writes nanosecond time', () => {
    const line = toLine({
      measurement: 'road damage',
      tags: { tenant: 't', device: 'cam,1', site: 'a=b c' },
      fields: { confidence: 0.9, ok: true, note: 'say "hi" \\ bye' },
      timeMs: 1767571200000,
      nanos: 42,
    });
    expect(line).toBe(
      'road\\ damage,device=cam\\,1,site=a\\=b\\ c,tenant=t confidence=0.9,ok=true,note="say \\"hi\\" \\\\ bye" 1767571200000000042',
    );
  });

  it('refuses what cannot be written safely', () => {
    const base = { measurement: 'm', tags: { tenant: 't' }, fields: { v: 1 }, timeMs: 0 };
    expect(() => toLine({ ...base, tags: { tenant: 'a\nb' } })).toThrow(/line break/);
    expect(() => toLine({ ...base, tags: { tenant: 'trailing\\' } })).toThrow(/backslash/);
    expect(() => toLine({ ...base, fields: {} })).toThrow(/no fields/);
  });
});

/**
 * What the encoder must give: today's lines, joined and UTF-8 encoded, or the error `toLine` throws. Bytes as
 * latin1 text (one char per byte, so equal text is equal bytes) for quick comparisons and readable differences.
 */
function expected(points: readonly Point[]): string {
  try {
    return `bytes ${Buffer.from(points.map(toLine).join('\n')).toString('latin1')}`;
  } catch (err) {
    return String(err);
  }
}

function encoded(encoder: LineProtocolEncoder, points: readonly Point[]): string {
  try {
    return `bytes ${encoder.encode(points).toString('latin1')}`;
  } catch (err) {
    return String(err);
  }
}

const refusedBy = (result: string) => !result.startsWith('bytes ');

const t0 = Date.UTC(2026, 0, 5, 10);
const base: Point = {
  measurement: 'energy',
  tags: { tenant: 't', device: 'd' },
  fields: { v: 1 },
  timeMs: t0,
};

/** Inputs that take every branch of the encoder, and the ones it leaves to `toLine`. */
const tricky: Point[] = [
  base,
  { ...base, nanos: 0 },
  { ...base, nanos: 42 },
  { ...base, nanos: 999_999 },
  { ...base, nanos: 1.5 },
  { ...base, nanos: -1 },
  { ...base, nanos: 1_000_000 },
  { ...base, nanos: 1_234_567 },
  { ...base, timeMs: 0 },
  { ...base, timeMs: 1 },
  { ...base, timeMs: 999_999, nanos: 7 },
  { ...base, timeMs: 1_000_000 },
  { ...base, timeMs: -1000, nanos: 5 },
  { ...base, timeMs: 1.5 },
  { ...base, timeMs: 8.64e15 },
  { ...base, timeMs: Number.MAX_SAFE_INTEGER },
  { ...base, measurement: 'road damage,x=y "q" a\\b' },
  { ...base, measurement: 'vejstøj 🚗,a' },
  { ...base, measurement: '' },
  { ...base, measurement: 'lone\ud800surrogate' },
  { ...base, tags: { z: 'last', a: 'first', m: '' } },
  // Tag keys in one order, another, fewer, more (the encoder reuses the last order it sorted).
  { ...base, tags: { b: '1', a: '2' } },
  { ...base, tags: { b: '1', a: '2' } },
  { ...base, tags: { a: '3', b: '4' } },
  { ...base, tags: { a: '5' } },
  { ...base, tags: { a: '6', b: '7', c: '8' } },
  { ...base, tags: { a: '6', b: '7' } },
  { ...base, tags: Object.assign(Object.create({ inherited: 'x' }) as Record<string, string>, { a: '9' }) },
  { ...base, tags: { tenant: 't', device: 'cam,1 a=b', 'site key': 'x', 'k=v': 'y,z' } },
  { ...base, tags: { tenant: 'Århus kommune', device: 'måler=1', 'nøgle,x': 'værdi' } },
  { ...base, tags: { tenant: 'a\\b', device: '\\start', 'k\\ey': 'v' } },
  { ...base, tags: { tenant: '"quoted"', device: '😀' } },
  { ...base, tags: {} },
  { ...base, tags: { tenant: 5 as never, device: null as never, site: undefined as never } },
  { ...base, fields: { on: true, off: false } },
  {
    ...base,
    fields: { s: '', q: 'say "hi"', b: 'back\\slash\\', nl: 'line\nbreak\r\n', u: 'blå "ø" \\ 🚗' },
  },
  { ...base, fields: { s: 'commas, spaces = equals' } },
  { ...base, fields: { s: 'lone \udc00 surrogate', t: 'x\ud83d' } },
  {
    ...base,
    fields: {
      a: 0,
      b: -0,
      c: 1,
      d: -1,
      e: 1.5,
      f: -2.25,
      g: 0.1 + 0.2,
      h: 1e21,
      i: 1e-7,
      j: 123456789012345680000,
    },
  },
  {
    ...base,
    fields: {
      a: Number.MAX_SAFE_INTEGER,
      b: -Number.MAX_SAFE_INTEGER,
      c: 2 ** 53,
      d: -(2 ** 53),
      e: 5e-324,
      f: 1.7976931348623157e308,
      g: 999_999,
      h: 1_000_000,
      i: 1_000_001,
      j: 2 ** 31,
      k: -(2 ** 31) - 1,
      l: 1_000_000_000_000,
      m: 9_007_199_254_000_000,
      n: 100,
      o: 60,
      p: 1e6 - 0.5,
      q: 2 ** 31 - 1,
      r: 2 ** 31,
      s: 2 ** 32 - 1,
      t: 999_999_999,
      u: 1_000_000_000,
      v: 1_999_999_999_999,
      w: 8_999_999_999_999_999,
      x: 9_007_198_999_999_999,
      y: -8_999_999_999_999_999,
    },
  },
  { ...base, fields: { nan: Number.NaN, inf: Infinity, ninf: -Infinity, v: 2 } },
  { ...base, fields: { 10: 1, 2: 2, b: 3, a: 4 } as never },
  { ...base, fields: { 'field key': 1, 'k,=': 2, nøgle: 3 } },
  { ...base, fields: { n: null as never } },
  { ...base, fields: { u: undefined as never, v: 1 } },
  { ...base, fields: { big: 10n as never } },
  { ...base, tags: { 'key\\': '' }, fields: { 'fkey\\': Number.NaN, v: 1 } }, // both left out, so not refused
];

/** Points toLine refuses, each with the message it refuses them with. */
const refused: Point[] = [
  { ...base, measurement: 'a\nb' },
  { ...base, measurement: 'a\\' },
  { ...base, measurement: 'ø\n' },
  { ...base, measurement: 'ø\\' },
  { ...base, measurement: 'a\r\\' },
  { ...base, tags: { tenant: 'a\nb' } },
  { ...base, tags: { tenant: 'trailing\\' } },
  { ...base, tags: { tenant: 'ø trailing\\' } },
  { ...base, tags: { 'key\r': 'v' } },
  { ...base, tags: { 'key\\': 'v' } },
  { ...base, tags: { tenant: 'x\\\ny\\' } },
  { ...base, fields: {} },
  { ...base, fields: { nan: Number.NaN, inf: Infinity } },
  { ...base, fields: { 'f\nkey': 1 } },
  { ...base, fields: { 'fkey\\': 1 } },
  { ...base, fields: { o: {} as never } },
  { ...base, fields: { 'bad\n': {} as never } },
  { ...base, tags: { tenant: 'a\nb' }, fields: {} },
];

describe('LineProtocolEncoder', () => {
  it('gives exactly the bytes of toLine, joined and UTF-8 encoded, for tricky points one by one and together', () => {
    const encoder = new LineProtocolEncoder();
    for (const point of tricky) expect(encoded(encoder, [point]), inspect(point)).toBe(expected([point]));
    expect(encoded(encoder, tricky)).toBe(expected(tricky));
    expect(encoded(encoder, [])).toBe('bytes ');
  });

  it('refuses the same points with the same errors, wherever they are in a batch', () => {
    const encoder = new LineProtocolEncoder();
    for (const point of refused) {
      const error = expected([point]);
      expect(refusedBy(error), inspect(point)).toBe(true);
      expect(encoded(encoder, [point])).toBe(error);
      expect(encoded(encoder, [base, point, base])).toBe(error);
    }
    // A batch refused leaves nothing behind for the next.
    expect(encoded(encoder, [base])).toBe(expected([base]));
  });

  it('agrees with toLine on random points built from the characters that matter', () => {
    let seed = 17;
    const random = () => {
      // mulberry32: the same points on every run
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const chars = ['a', 'Z', '0', ' ', ',', '=', '"', '\\', '\n', '\r', 'ø', '🚗', '\ud800', '\t', '_', '-'];
    const text = () => Array.from({ length: Math.floor(random() * 6) }, () => pick(chars)).join('');
    const value = () =>
      pick([
        () => text(),
        () => random() < 0.5,
        () => Math.floor(random() * 2e12) - 1e12,
        () => (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20),
        () => pick([Number.NaN, Infinity, 0, -0, 2 ** 53, 1e21]),
      ])();
    const points: Point[] = Array.from({ length: 3000 }, () => ({
      measurement: random() < 0.7 ? 'energy' : text(),
      tags: Object.fromEntries(Array.from({ length: Math.floor(random() * 4) }, () => [text(), text()])),
      fields: Object.fromEntries(Array.from({ length: Math.floor(random() * 4) }, () => [text(), value()])),
      timeMs: random() < 0.9 ? Math.floor(random() * 2e12) : (random() - 0.5) * 1e6,
      ...(random() < 0.7
        ? { nanos: random() < 0.95 ? Math.floor(random() * 1e6) : random() * 2e6 - 5e5 }
        : {}),
    }));
    const encoder = new LineProtocolEncoder();
    let lines = 0;
    for (const point of points) {
      const want = expected([point]);
      expect(encoded(encoder, [point]), inspect(point)).toBe(want);
      if (!refusedBy(want)) lines++;
    }
    expect(lines).toBeGreaterThan(300); // not all refused
    const good = points.filter((p) => !refusedBy(expected([p])));
    expect(encoded(encoder, good)).toBe(expected(good));
  });

  it('grows past its first buffer and hands out copies that later batches do not touch', () => {
    const encoder = new LineProtocolEncoder();
    const long = (i: number): Point => ({
      ...base,
      fields: { note: `${'x'.repeat(1000)} ${i}` },
      timeMs: t0 + i,
    });
    const big = Array.from({ length: 200 }, (_, i) => long(i)); // ~200 kB, past the first 64 kiB
    const first = encoder.encode(big);
    const copy = Buffer.from(first);
    const second = encoder.encode([base]);
    expect(first.equals(copy)).toBe(true);
    expect(`bytes ${first.toString('latin1')}`).toBe(expected(big));
    expect(`bytes ${second.toString('latin1')}`).toBe(expected([base]));
    const huge = Array.from({ length: 5000 }, (_, i) => long(i)); // ~5 MB, past what is kept between batches
    expect(encoded(encoder, huge)).toBe(expected(huge));
    expect(encoded(encoder, [base])).toBe(expected([base]));
  });
});
