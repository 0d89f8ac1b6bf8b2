import { describe, expect, it } from 'vitest';
import { CopyWriter, copyText } from './copy-text.js';

const decode = (text: string | Uint8Array) =>
  typeof text === 'string' ? text : Buffer.from(text).toString('utf8');

describe('CopyWriter', () => {
  it('writes the same text as the row renderer, escapes and NULLs included', () => {
    const texts = [
      'aarhus',
      'a\tb',
      'back\\slash',
      'line\nbreak\r',
      'Århus Ø',
      'ends in ü\t',
      '',
      null,
      undefined,
    ];
    const ints = [
      0,
      7,
      -3,
      42.4,
      42.5,
      999_999_999,
      1_000_000_000,
      1_764_700_000_123,
      -1_764_700_000_123,
      2 ** 32 + 5,
    ];
    const writer = new CopyWriter(8); // small on purpose: it has to grow
    const rows: (string | number | null | undefined)[][] = [];
    for (let i = 0; i < Math.max(texts.length, ints.length); i++) {
      const t = texts[i % texts.length];
      const n = ints[i % ints.length] as number;
      writer.text(t).int(n).text(`id-${i}`).endRow();
      rows.push([t, Math.round(n), `id-${i}`]);
    }
    const { text, count } = writer.finish();
    expect(count).toBe(rows.length);
    expect(decode(text)).toBe(copyText(rows));
  });

  it('writes a number to fixed decimals as an integer with an exponent, and not finite as NULL', () => {
    const writer = new CopyWriter();
    writer
      .scaled(0.82345678, 4)
      .scaled(-12.3456, 2)
      .scaled(undefined, 2)
      .int(Number.NaN)
      .scaled(1e-9, 6)
      .endRow();
    expect(decode(writer.finish().text)).toBe('8235e-4\t-1235e-2\t\\N\t\\N\t0e-6\n');
    expect([8235e-4, -1235e-2]).toEqual([0.8235, -12.35]);
  });

  it('keeps each finished batch as bytes of its own', () => {
    const writer = new CopyWriter(16);
    writer.text('first').endRow();
    const first = writer.finish();
    writer.text('second, long enough to grow the buffer').endRow();
    expect(decode(first.text)).toBe('first\n');
  });
});
