import { describe, expect, it } from 'vitest';
import { problemRuns, rejectKind, SubHourlyCheck } from './import.js';

describe('import summary', () => {
  it('groups reject reasons keeping their numbers, collapsing only the quoted bad values', () => {
    expect(rejectKind('expected 4 columns, found 5')).toBe('expected 4 columns, found 5');
    expect(rejectKind('kwh: "lots" is not a number')).toBe('kwh: "…" is not a number');
  });

  it('prints consecutive lines with one reason as a range, not lines apart', () => {
    const r = 'unterminated quote opened on line 6: lines 6–8 (to the end of the file) could not be read';
    expect(
      problemRuns([
        { line: 3, reason: 'kwh: missing value' },
        { line: 5, reason: 'kwh: missing value' },
        { line: 6, reason: r },
        { line: 7, reason: r },
        { line: 8, reason: r },
      ]),
    ).toEqual([
      { first: 3, last: 3, reason: 'kwh: missing value' },
      { first: 5, last: 5, reason: 'kwh: missing value' },
      { first: 6, last: 8, reason: r },
    ]);
  });

  it('warns once about readings under an hour apart without interval_s, not about hourly ones or given lengths', () => {
    const check = new SubHourlyCheck();
    const t0 = Date.UTC(2026, 0, 1);
    for (let q = 0; q < 8; q++) check.see('m-1', t0 + q * 900_000, undefined, 2 + q);
    for (let h = 0; h < 8; h++) check.see('m-2', t0 + h * 3_600_000, undefined, 20 + h);
    for (let q = 0; q < 8; q++) check.see('m-3', t0 + q * 900_000, 900, 40 + q);
    expect(check.warning('q.csv')).toBe(
      "warning: q.csv:3: 7 readings are less than an hour after the meter's previous one (down to 900 s) but have no interval_s, so they are stored as 1-hour intervals (interval_s 3600); add an interval_s column (e.g. 900) with the readings' length",
    );
    const hourly = new SubHourlyCheck();
    hourly.see('m', t0, undefined, 2);
    hourly.see('m', t0 + 3_600_000, undefined, 3);
    expect(hourly.warning('h.csv')).toBeUndefined();
  });
});
