import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cpus } from 'node:os';

/**
 * AI's own energy use, measured the way CodeCarbon does: the CPU energy of the work from RAPL where the kernel lets
 * us read it (the package's energy counter, shared out by this process's part of all CPU time), otherwise from a
 * power model (the processor's TDP shared out per core-second, CodeCarbon's fallback), plus memory at 0.375 W per GB
 * resident (CodeCarbon's 3 W per 8 GB), times the grid's carbon intensity.
 */
export interface PowerModel {
  /** Power of the whole processor, W (GREENOPS_CPU_TDP_WATTS). */
  cpuTdpWatts: number;
  /** Logical cores the TDP is shared over. */
  cores: number;
  memoryWattsPerGb: number;
  /** The powercap folder; RAPL is used when `intel-rapl:N/energy_uj` there is readable. */
  raplDir: string;
}

export const DEFAULT_POWER_MODEL: PowerModel = {
  cpuTdpWatts: 85,
  cores: Math.max(1, cpus().length),
  memoryWattsPerGb: 0.375,
  raplDir: '/sys/class/powercap',
};

/** What one piece of work used. */
export interface WorkUsage {
  startedAt: string;
  endedAt: string;
  cpuSeconds: number;
  wallSeconds: number;
  rssBytes: number;
  /** CPU package energy over the work (all processes), when RAPL was readable. */
  raplJoules: number | undefined;
  /** All CPU time of the machine over the work, from /proc/stat, to share RAPL energy out. */
  machineCpuSeconds: number | undefined;
}

export interface Footprint {
  kwh: number;
  co2eKg: number;
  cpuSeconds: number;
  wallSeconds: number;
  /** `rapl`: measured package energy, this process's share; `tdp`: the power model. */
  method: 'rapl' | 'tdp';
}

/** Energy and CO₂e of work under a power model and a grid factor (kg CO₂e per kWh). */
export function footprintOf(usage: WorkUsage, model: PowerModel, gridKgPerKwh: number): Footprint {
  const rapl =
    usage.raplJoules !== undefined && usage.machineCpuSeconds !== undefined && usage.machineCpuSeconds > 0;
  const cpuJoules = rapl
    ? (usage.raplJoules as number) * Math.min(1, usage.cpuSeconds / (usage.machineCpuSeconds as number))
    : (model.cpuTdpWatts / model.cores) * usage.cpuSeconds;
  const memoryJoules = model.memoryWattsPerGb * (usage.rssBytes / 1e9) * usage.wallSeconds;
  const kwh = (cpuJoules + memoryJoules) / 3.6e6;
  return {
    kwh,
    co2eKg: kwh * gridKgPerKwh,
    cpuSeconds: usage.cpuSeconds,
    wallSeconds: usage.wallSeconds,
    method: rapl ? 'rapl' : 'tdp',
  };
}

/** Sum of the package energy counters (µJ) and their wrap ranges; undefined when none is readable. */
export function readRapl(dir: string): { microjoules: number; range: number }[] | undefined {
  let domains: string[];
  try {
    domains = readdirSync(dir).filter((d) => /^intel-rapl:\d+$/.test(d));
  } catch {
    return undefined;
  }
  const readings: { microjoules: number; range: number }[] = [];
  for (const d of domains) {
    try {
      const microjoules = Number(readFileSync(join(dir, d, 'energy_uj'), 'utf8').trim());
      const range = Number(readFileSync(join(dir, d, 'max_energy_range_uj'), 'utf8').trim());
      if (Number.isFinite(microjoules) && Number.isFinite(range)) readings.push({ microjoules, range });
    } catch {
      // energy_uj is root-only on kernels since 2020 (CVE-2020-8694): fall back to the power model
      return undefined;
    }
  }
  return readings.length > 0 ? readings : undefined;
}

/** CPU seconds the whole machine spent busy or idle-excluded, from /proc/stat (USER_HZ = 100 on Linux). */
export function machineCpuSeconds(stat = '/proc/stat'): number | undefined {
  try {
    const line = readFileSync(stat, 'utf8').split('\n')[0] ?? '';
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: busy is everything but idle and iowait
    const busy = ticks.reduce((a, b, i) => (i === 3 || i === 4 ? a : a + (b || 0)), 0);
    return busy / 100;
  } catch {
    return undefined;
  }
}

/** Starts measuring work in this process; `stop()` answers what it used. */
export function startUsage(model: Pick<PowerModel, 'raplDir'> = DEFAULT_POWER_MODEL): {
  stop(): WorkUsage;
} {
  const startedAt = new Date();
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const rapl0 = readRapl(model.raplDir);
  const machine0 = machineCpuSeconds();
  let rssBytes = process.memoryUsage().rss;
  return {
    stop() {
      const cpu = process.cpuUsage(cpu0);
      rssBytes = Math.max(rssBytes, process.memoryUsage().rss);
      const rapl1 = rapl0 && readRapl(model.raplDir);
      const machine1 = machineCpuSeconds();
      let raplJoules: number | undefined;
      if (rapl0 && rapl1 && rapl1.length === rapl0.length) {
        raplJoules = rapl1.reduce((sum, r, i) => {
          const before = rapl0[i] as { microjoules: number; range: number };
          const delta = r.microjoules - before.microjoules;
          return sum + (delta >= 0 ? delta : delta + r.range) / 1e6;
        }, 0);
      }
      return {
        startedAt: startedAt.toISOString(),
        endedAt: new Date().toISOString(),
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        wallSeconds: Number(process.hrtime.bigint() - t0) / 1e9,
        rssBytes,
        raplJoules,
        machineCpuSeconds:
          machine0 !== undefined && machine1 !== undefined ? Math.max(0, machine1 - machine0) : undefined,
      };
    },
  };
}
