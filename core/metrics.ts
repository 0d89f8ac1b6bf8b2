/** A metric in the Prometheus text exposition format (version 0.0.4). */
export interface Metric {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  samples: { suffix?: string; labels?: Record<string, string>; value: number }[];
}

export function counter(name: string, help: string, value: number): Metric {
  return { name, help, type: 'counter', samples: [{ value }] };
}

export function gauge(name: string, help: string, value: number): Metric {
  return { name, help, type: 'gauge', samples: [{ value }] };
}

/** Cumulative buckets in the Prometheus convention (`le`), from per-bucket counts. */
export function histogram(
  name: string,
  help: string,
  bounds: readonly number[],
  counts: readonly number[],
  sum: number,
): Metric {
  let cumulative = 0;
  const samples: Metric['samples'] = bounds.map((le, i) => {
    cumulative += counts[i] ?? 0;
    return { suffix: '_bucket', labels: { le: String(le) }, value: cumulative };
  });
  cumulative += counts[bounds.length] ?? 0;
  samples.push(
    { suffix: '_bucket', labels: { le: '+Inf' }, value: cumulative },
    { suffix: '_sum', value: sum },
    { suffix: '_count', value: cumulative },
  );
  return { name, help, type: 'histogram', samples };
}

export function renderPrometheus(metrics: readonly Metric[]): string {
  const lines: string[] = [];
  for (const m of metrics) {
    lines.push(
      `# HELP ${m.name} ${m.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`,
      `# TYPE ${m.name} ${m.type}`,
    );
    for (const s of m.samples) {
      const labels = s.labels
        ? `{${Object.entries(s.labels)
            .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
            .join(',')}}`
        : '';
      lines.push(`${m.name}${s.suffix ?? ''}${labels} ${Number.isFinite(s.value) ? s.value : 'NaN'}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** Process metrics every runnable exposes. */
export function processMetrics(): Metric[] {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  return [
    counter(
      'process_cpu_seconds_total',
      'User and system CPU time spent, in seconds.',
      (cpu.user + cpu.system) / 1e6,
    ),
    gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', memory.rss),
    gauge('nodejs_heap_used_bytes', 'V8 heap in use, in bytes.', memory.heapUsed),
  ];
}
