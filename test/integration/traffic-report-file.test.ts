import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../harness/cli-process.js';
import { readTrafficCsv, trafficFileReport } from '../../cli/index.js';
import { DEFAULT_TRAFFIC_SETTINGS, LocalCalendar } from '../../models/index.js';
import {
  COMMUTER,
  DAY_SHAPE,
  patternIntervals,
  trueAadt,
  type PatternCounter,
} from '../fixtures/traffic-counters.js';

const cph = new LocalCalendar('Europe/Copenhagen');
const counter = (name: string, base: number): PatternCounter => ({
  counter: name,
  base,
  ...COMMUTER,
  hour: DAY_SHAPE,
});

function csv(rows: [PatternCounter, string, string][]): string {
  const lines = ['timestamp,counter_id,interval_s,direction,car,uptime'];
  for (const [c, from, to] of rows)
    for (const iv of patternIntervals(c, cph, from, to))
      lines.push(
        `${new Date(iv.startMs).toISOString()},${c.counter},3600,${iv.direction},${Math.round(iv.counts.car as number)},1`,
      );
  return lines.join('\n') + '\n';
}

describe('greenops traffic report on a replay CSV', () => {
  it('reports permanent counters by AASHTO, expands the short one from them, and names the bad line', () => {
    const a = counter('a', 700);
    const b = counter('b', 1100);
    const s = counter('s', 900);
    const text =
      csv([
        [a, '2024-01-01', '2025-01-01'],
        [b, '2024-01-01', '2025-01-01'],
        [s, '2024-10-07', '2024-10-14'],
      ]) + '2024-10-20T00:00:00Z,s,3600,in,-4,1\n';
    const problems: string[] = [];
    const counters = readTrafficCsv(text, 'counts.csv', (line, reason) =>
      problems.push(`${line}: ${reason}`),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^\d+: .*car/);
    const reports = trafficFileReport(counters, { ...DEFAULT_TRAFFIC_SETTINGS, holidays: 'none' });
    expect(reports.map((r) => [r.counter, r.year, r.aadt.method])).toEqual([
      ['a', 2024, 'aashto'],
      ['b', 2024, 'aashto'],
      ['s', 2024, 'short-count'],
    ]);
    const short = reports[2];
    // Counts are whole numbers in the file: within rounding of the pattern's true ÅDT.
    expect(Math.abs((short?.aadt.value as number) - trueAadt(s)) / trueAadt(s)).toBeLessThan(0.01);
    expect(short?.aadt.days).toBe(7);
    expect(short?.aadt.factorGroup?.counters.sort()).toEqual(['a', 'b']);
    for (const r of reports) {
      expect(r).toHaveProperty('hvdt');
      expect(r).toHaveProperty('july');
      expect(r.modeShares).toEqual({ car: 1 });
      expect(['ok', 'warning', 'fault']).toContain(r.health.status);
    }
  });
});

describe('greenops traffic open-data and key-figures on a replay CSV', () => {
  it('writes the open-data CSV with its CSVW licence beside it, suppressing what is under --min-count', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'greenops-open-data-'));
    try {
      const a = counter('a', 700);
      const quiet = counter('quiet', 10);
      writeFileSync(
        join(dir, 'counts.csv'),
        csv([
          [a, '2024-01-01', '2025-01-01'],
          [quiet, '2024-01-01', '2025-01-01'],
        ]),
      );
      const out = join(dir, 'open.csv');
      const cli = runCli([
        'traffic',
        'open-data',
        '--input',
        join(dir, 'counts.csv'),
        '--holidays',
        'none',
        '--min-count',
        '50',
        '--location',
        'a=56.1567:10.2108',
        '--attribution',
        'Aarhus Kommune',
        '--out',
        out,
      ]);
      expect(await cli.exited, cli.output()).toBe(0);
      const lines = readFileSync(out, 'utf8').trimEnd().split('\r\n');
      const rows = lines.slice(1).map((l) => l.split(','));
      expect(rows.map((r) => r.slice(0, 3).join(','))).toEqual([
        'a,2024,all',
        'a,2024,car',
        'quiet,2024,all',
        'quiet,2024,car',
      ]);
      // Counts are whole numbers in the file: within rounding of the pattern's true ÅDT; the quiet one withheld.
      expect(Math.abs(Number(rows[0]?.[3]) - trueAadt(a)) / trueAadt(a)).toBeLessThan(0.01);
      expect(Math.abs(Number(rows[1]?.[3]) - trueAadt(a)) / trueAadt(a)).toBeLessThan(0.01);
      expect([rows[2]?.[3], rows[3]?.[3]]).toEqual(['', '']);
      expect(lines[1]?.endsWith(',56.1567,10.2108')).toBe(true);
      expect(lines[3]).toContain(',small-count,');
      const meta = JSON.parse(readFileSync(`${out}-metadata.json`, 'utf8')) as Record<string, unknown>;
      expect(meta).toMatchObject({
        url: 'open.csv',
        'dc:license': { '@id': 'https://creativecommons.org/licenses/by/4.0/' },
        'dc:publisher': 'Aarhus Kommune',
      });

      const bad = runCli(['traffic', 'key-figures', '--input', join(dir, 'counts.csv'), '--year', '24']);
      expect(await bad.exited).not.toBe(0);
      expect(bad.output()).toContain('--year: "24" is not a year');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
