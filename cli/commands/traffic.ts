import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { GreenopsError } from '../../core/index.js';
import { TrafficSimulator } from '../../edge/index.js';
import type { CounterYearReport } from '../../models/index.js';
import { registerTrafficExportCommands } from './traffic-exports.js';
import { reportFile, withReadFlags, type TrafficReadFlags } from './traffic-file.js';

/**
 * A traffic replay CSV from the road-counter simulator, summed to `--interval-minutes`: permanent counters for whole
 * years, and short counts (the last `--short` counters keep only two weeks from --short-start).
 */
export function sampleTrafficCsv(options: {
  counters: number;
  days: number;
  seed: number;
  intervalMinutes: number;
  short: number;
  startMs?: number;
}): string {
  const startMs = options.startMs ?? Date.UTC(2024, 0, 1) - 3_600_000;
  const sim = new TrafficSimulator({ devices: options.counters, seed: options.seed, startMs });
  const end = startMs + options.days * 86_400_000;
  const stepMs = options.intervalMinutes * 60_000;
  const rows = [
    'timestamp,counter_id,interval_s,direction,car,van,truck,bus,bicycle,pedestrian,speed_mean_kmh,speed_v85_kmh,uptime',
  ];
  const shortFrom = startMs + Math.floor(options.days / 3) * 86_400_000;
  for (let device = 0; device < options.counters; device++) {
    const isShort = device >= options.counters - options.short;
    type Acc = { counts: number[]; speed: number; v85: number; w: number; uptime: number; n: number };
    const acc = new Map<string, Acc>();
    const flush = (t: number, direction: string, a: Acc) => {
      if (isShort && (t < shortFrom || t >= shortFrom + 14 * 86_400_000)) return;
      const w = a.w || 1;
      rows.push(
        [
          new Date(t).toISOString(),
          sim.deviceIds[device],
          options.intervalMinutes * 60,
          direction,
          ...a.counts,
          (a.speed / w).toFixed(1),
          (a.v85 / w).toFixed(1),
          (a.uptime / a.n).toFixed(2),
        ].join(','),
      );
    };
    let bucket = Math.floor((sim.nextTime(device) - 300_000) / stepMs) * stepMs;
    while (sim.nextTime(device) <= end) {
      for (const r of sim.emit(device)) {
        const t = Date.parse(r.ts as string);
        const b = Math.floor(t / stepMs) * stepMs;
        if (b !== bucket) {
          for (const [dir, a] of acc) flush(bucket, dir, a);
          acc.clear();
          bucket = b;
        }
        const counts = r.counts as Record<string, number>;
        const speed = r.speed as { meanKmh: number; v85Kmh: number };
        const classes = ['car', 'van', 'truck', 'bus', 'bicycle', 'pedestrian'];
        const a = acc.get(r.direction as string) ?? {
          counts: classes.map(() => 0),
          speed: 0,
          v85: 0,
          w: 0,
          uptime: 0,
          n: 0,
        };
        classes.forEach((c, i) => (a.counts[i] = (a.counts[i] as number) + (counts[c] ?? 0)));
        const w = (counts.car ?? 0) + (counts.van ?? 0) + (counts.truck ?? 0) + (counts.bus ?? 0);
        a.speed += speed.meanKmh * w;
        a.v85 += speed.v85Kmh * w;
        a.w += w;
        a.uptime += r.uptime as number;
        a.n += 1;
        acc.set(r.direction as string, a);
      }
    }
    for (const [dir, a] of acc) flush(bucket, dir, a);
  }
  return rows.join('\n') + '\n';
}

const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(1)} %`);
const num = (v: number | null) => (v === null ? '–' : String(v));

function printReport(reports: CounterYearReport[]): void {
  for (const r of reports) {
    const a = r.aadt;
    console.log(
      `${r.counter} ${r.year} (${r.timeZone}; ${r.days.complete}/${r.days.seen} complete days; ${r.modes.join(', ') || 'no modes'})`,
    );
    console.log(
      `  ÅDT ${a.value} (${a.low === null || a.high === null ? 'no range' : `90 % ${a.low}–${a.high}`}), ${a.method}, ${a.days} days${a.factorGroup ? `, factor group ${a.factorGroup.counters.join(', ')} (${a.factorGroup.pattern})` : ''}`,
    );
    console.log(
      `  HVDT ${num(r.hvdt)}  July ${num(r.july)}  peak hour ${pct(r.peakHourShare)}  heavy ${pct(r.heavyShare)}  shares ${Object.entries(
        r.modeShares,
      )
        .map(([m, s]) => `${m} ${pct(s)}`)
        .join(', ')}`,
    );
    if (r.speed)
      console.log(
        `  speed mean ${num(r.speed.meanKmh)} km/h, v85 ${num(r.speed.v85Kmh)} km/h${r.speed.limitKmh ? `, over ${r.speed.limitKmh} km/h: ${pct(r.speed.overLimitShare)}` : ''}`,
      );
    const h = r.health;
    console.log(
      `  health ${h.status}, availability ${pct(h.availability)}${Object.entries(h.counts)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `, ${k} ×${n}`)
        .join('')}`,
    );
  }
}

function positiveInt(text: string, name: string, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > max)
    throw new GreenopsError('BAD_REQUEST', `--${name}: must be a whole number from 0 to ${max}`, {
      field: name,
    });
  return n;
}

export function registerTrafficCommands(program: Command): void {
  const traffic = program
    .command('traffic')
    .description('traffic counts: ÅDT, key figures and counter health');

  withReadFlags(
    traffic
      .command('report')
      .description(
        'ÅDT with method and range, HVDT, July, shares and health per counter and year of a traffic CSV',
      ),
  )
    .option('--json', 'print one JSON document (see README, "Traffic")')
    .action((opts: TrafficReadFlags & { json?: boolean }) => {
      const { settings, reports, problems } = reportFile(opts);
      if (opts.json)
        console.log(
          JSON.stringify(
            { input: opts.input, timeZone: settings.timeZone, linesRefused: problems, counters: reports },
            null,
            2,
          ),
        );
      else printReport(reports);
    });

  registerTrafficExportCommands(traffic);

  traffic
    .command('sample')
    .description('a traffic replay CSV from the road-counter simulator: permanent counters and short counts')
    .option('--counters <n>', 'counters', '6')
    .option('--days <n>', 'days from 2024-01-01 (Danish time)', '366')
    .option('--short <n>', 'of them, how many keep only a two-week count', '1')
    .option('--interval-minutes <n>', 'interval length: 15 or 60', '60')
    .option('--seed <n>', 'random seed', '1')
    .option('--out <file>', 'output file (default: standard output)')
    .action(
      (opts: {
        counters: string;
        days: string;
        short: string;
        intervalMinutes: string;
        seed: string;
        out?: string;
      }) => {
        const intervalMinutes = Number(opts.intervalMinutes);
        if (intervalMinutes !== 15 && intervalMinutes !== 60)
          throw new GreenopsError('BAD_REQUEST', '--interval-minutes: must be 15 or 60', {
            field: 'interval-minutes',
          });
        const csv = sampleTrafficCsv({
          counters: positiveInt(opts.counters, 'counters', 1000),
          days: positiveInt(opts.days, 'days', 3660),
          short: positiveInt(opts.short, 'short', 1000),
          seed: positiveInt(opts.seed, 'seed', 2 ** 31),
          intervalMinutes,
        });
        if (opts.out) writeFileSync(opts.out, csv);
        else process.stdout.write(csv);
      },
    );
}
