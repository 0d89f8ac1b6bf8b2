import { describe, expect, it } from 'vitest';
import { toLine } from './line-protocol.js';

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
