import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { LocalCalendar, type TrafficInterval, type TrafficMode } from '../models/index.js';

const MODE_OF: Record<string, TrafficMode> = { bike: 'bicycle', pedestrian: 'pedestrian' };

/**
 * The Seattle counters file (../shared/data/traffic/, see its SOURCE.md) as traffic intervals: one counter per site
 * and mode, hourly, local Seattle time without an offset turned into instants with the site's zone. Empty counts are
 * missing hours (no interval); a repeated local hour (the source's spring-forward duplicate) is read once.
 */
export function readSeattleCounters(path: string, calendar: LocalCalendar): Map<string, TrafficInterval[]> {
  const raw = readFileSync(path);
  const text = (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  const lines = text.split('\n');
  if (lines[0]?.trim() !== 'timestamp_local,site_id,direction,mode,count')
    throw new Error(`${path}:1: not the Seattle counters header`);
  const counters = new Map<string, TrafficInterval[]>();
  const seen = new Set<string>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!line) continue;
    const [ts, site, direction, modeText, count] = line.split(',');
    if (!ts || !site || !direction || !modeText || count === undefined)
      throw new Error(`${path}:${i + 1}: expected 5 columns`);
    if (count === '') continue;
    const mode = MODE_OF[modeText];
    if (!mode) throw new Error(`${path}:${i + 1}: unknown mode ${modeText}`);
    const startMs = calendar.fromWall(Date.parse(`${ts}Z`));
    const counter = `${site}/${modeText}`;
    const key = `${counter}|${direction}|${startMs}`;
    if (seen.has(key)) continue;
    seen.add(key);
    let list = counters.get(counter);
    if (!list) counters.set(counter, (list = []));
    list.push({ counter, startMs, seconds: 3600, direction, counts: { [mode]: Number(count) }, uptime: 1 });
  }
  return counters;
}
