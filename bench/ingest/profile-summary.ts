/**
 * Where the ingest's time goes per message: summarises a `node --cpu-prof` profile of the ingest process taken
 * during a bench step (BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR"), over the samples from 2.5 s after the
 * first message decoded (past the warm-up) to the last, by category. A sample goes to the first category that
 * matches walking from its function towards the root, so JSON.parse called from decoding counts as JSON.
 *
 * Usage: node --import tsx bench/ingest/profile-summary.ts PROFILE.cpuprofile MESSAGES_IN_WINDOW
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const RULES: [string, (name: string, url: string) => boolean][] = [
  ['idle', (n) => n === '(idle)'],
  ['garbage collection', (n) => n === '(garbage collector)'],
  ['JSON.parse', (n, u) => n === 'parse' && u === ''],
  ['line protocol', (_, u) => u.includes('line-protocol')],
  ['validation (compiled schema)', (n, u) => u.includes('typebox') || /check|validat/i.test(n)],
  ['topic', (_, u) => u.includes('core/topic')],
  ['mapping to points', (_, u) => u.includes('core/streams') || u.includes('core/units')],
  ['decoding (other)', (_, u) => u.includes('core/decode')],
  [
    'PUBACK writes',
    (n, u) => n === 'ack' || u.includes('mqtt-packet/generate') || u.includes('mqtt-packet/writeToStream'),
  ],
  ['MQTT parsing', (_, u) => u.includes('mqtt-packet/') || u.includes('/bl/') || u.includes('mqtt-reader')],
  [
    'InfluxDB HTTP write',
    (_, u) =>
      u.includes('influx-store') || u.includes('undici') || u.includes('_http_') || u.includes('@influxdata'),
  ],
  ['batching', (_, u) => u.includes('batch-writer') || u.includes('ingest-service')],
  [
    'socket I/O (native)',
    (n) => ['writev', 'writeBuffer', 'writeUtf8String', 'read', 'onStreamRead'].includes(n),
  ],
  ['event loop, timers, streams', (_, u) => u.startsWith('node:')],
];

const SOCKET = 'socket I/O (native)';
const LOOP = 'event loop, timers, streams';
const OWNERS = ['PUBACK writes', 'InfluxDB HTTP write', 'MQTT parsing'];

export function summarise(profile: Profile): { window: number; byCategory: Map<string, number> } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const category = new Map<number, string>();
  const categorise = (id: number): string => {
    const known = category.get(id);
    if (known) return known;
    const { functionName, url } = (byId.get(id) as ProfileNode).callFrame;
    const rule = RULES.find(([, test]) => test(functionName, url));
    const p = parent.get(id);
    let c = rule ? rule[0] : p === undefined ? 'other (program, native)' : categorise(p);
    // Socket writes and stream plumbing belong to whoever called them: PUBACKs, the InfluxDB write, parsing.
    if (p !== undefined && (c === SOCKET || c === LOOP)) {
      const owner = categorise(p);
      if (OWNERS.includes(owner)) c = owner;
    }
    category.set(id, c);
    return c;
  };
  const times: number[] = [];
  let t = profile.startTime;
  for (const d of profile.timeDeltas) times.push((t += d));
  const decoding = profile.samples
    .map((s, i) =>
      (byId.get(s) as ProfileNode).callFrame.url.includes('core/decode') ? (times[i] as number) : NaN,
    )
    .filter(Number.isFinite);
  const from = (decoding[0] ?? 0) + 2_500_000;
  const to = decoding[decoding.length - 1] ?? Infinity;
  const byCategory = new Map<string, number>();
  profile.samples.forEach((s, i) => {
    const at = times[i] as number;
    if (at < from || at > to) return;
    const c = categorise(s);
    byCategory.set(c, (byCategory.get(c) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  });
  return { window: (to - from) / 1e6, byCategory };
}

if (process.argv[2]) {
  const { window, byCategory } = summarise(JSON.parse(readFileSync(process.argv[2], 'utf8')) as Profile);
  const messages = Number(process.argv[3] ?? NaN);
  const busy = [...byCategory].filter(([c]) => c !== 'idle').reduce((a, [, v]) => a + v, 0);
  console.log(`window ${window.toFixed(1)} s, busy ${(busy / 1e6).toFixed(2)} CPU-s (main thread)`);
  for (const [c, v] of [...byCategory].sort((a, b) => b[1] - a[1])) {
    const per = Number.isFinite(messages) ? `${(v / messages).toFixed(2)} µs/msg` : '';
    console.log(
      `${c.padEnd(32)} ${(v / 1000).toFixed(0).padStart(6)} ms ${c === 'idle' ? '' : `${((100 * v) / busy).toFixed(1).padStart(5)} %`} ${per}`,
    );
  }
}
