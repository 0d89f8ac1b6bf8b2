import { GreenopsError, recordValidator, type StreamName } from '../../core/index.js';
import { csvHeaderProblem, parseCsv } from '../../core/index.js';
import { REPLAY_COLUMNS, type Column } from './columns.js';

export interface ReplayRecord {
  line: number;
  deviceId: string;
  record: Record<string, unknown>;
}

export interface ReplayProblem {
  line: number;
  reason: string;
}

const OFFSET_RE = /(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Reads a recorded CSV of one stream into schema-valid records. Rows that cannot become a valid record are
 * reported with their line number and reason; the other rows go on.
 */
export function* replayRecords(
  stream: StreamName,
  text: string,
  file: string,
): Generator<ReplayRecord | ReplayProblem> {
  const spec = REPLAY_COLUMNS[stream];
  const known = new Set(['timestamp', ...spec.columns.map((c) => c.name)]);
  const check = recordValidator(stream);
  // A record field that fails the schema is named by its CSV column (kwh, not /value).
  const columnOf = new Map(spec.columns.map((c) => [`/${c.path.join('/')}`, c.name]));
  const required = ['timestamp', ...spec.columns.filter((c) => c.required).map((c) => c.name)];
  const checkHeader = (names: string[]) => {
    const problem = csvHeaderProblem(names, [...known], required);
    if (!problem) return;
    // the separator hint (a header with semicolons) goes last, after the columns this stream takes
    const [what, hint] = problem.split(' — ');
    throw new GreenopsError(
      'INVALID_INPUT_FILE',
      `${file}:1: ${what} for stream ${stream} (columns: ${[...known].join(', ')})${hint ? ` — ${hint}` : ''}`,
    );
  };
  for (const row of parseCsv(text, checkHeader, file)) {
    if (row.error !== undefined) {
      yield { line: row.line, reason: row.error };
      continue;
    }
    if (row.values.__columns !== undefined) {
      yield {
        line: row.line,
        reason: `expected ${Object.keys(row.values).length - 1} columns, found ${row.values.__columns}`,
      };
      continue;
    }
    try {
      const built = buildRecord(stream, row.values, spec.columns);
      if (!check.Check(built)) {
        const first = check.Errors(built).First();
        // Name the CSV column (speed_kmh), not the record's path (/speedKmh), and the value it held.
        const column = first && columnOf.get(first.path);
        const reason = !first
          ? 'not a valid record'
          : column
            ? `${column}: "${row.values[column] ?? ''}": ${first.message}`
            : `${first.path}: ${first.message}`;
        yield { line: row.line, reason };
        continue;
      }
      yield { line: row.line, deviceId: row.values[spec.entity] as string, record: built };
    } catch (err) {
      yield { line: row.line, reason: (err as Error).message };
    }
  }
}

export function isProblem(item: ReplayRecord | ReplayProblem): item is ReplayProblem {
  return 'reason' in item;
}

function buildRecord(
  stream: StreamName,
  values: Record<string, string>,
  columns: Column[],
): Record<string, unknown> {
  const tsText = values.timestamp ?? '';
  const timeMs = Date.parse(OFFSET_RE.test(tsText) ? tsText : `${tsText.replace(' ', 'T')}Z`);
  if (!tsText || Number.isNaN(timeMs)) throw new Error(`timestamp: "${tsText}" is not an ISO 8601 time`);
  const record: Record<string, unknown> = { ts: new Date(timeMs).toISOString() };
  for (const column of columns) {
    const raw = values[column.name];
    if (raw === undefined || raw === '') {
      if (column.required) throw new Error(`${column.name}: missing value`);
      continue;
    }
    setPath(record, column.path, convert(raw, column));
  }
  const entity = values[REPLAY_COLUMNS[stream].entity] as string;
  if (record.id === undefined)
    record.id = `${entity}-${timeMs}${stream === 'traffic' ? `-${values.direction}-${values.lane ?? ''}` : ''}`;
  if (stream === 'energy') {
    Object.assign(record, {
      siteId: record.siteId ?? entity,
      quantity: 'electricity',
      unit: 'kWh',
      kind: 'interval',
    });
  }
  if (stream === 'traffic') {
    record.counts ??= {};
    record.uptime ??= 1;
  }
  return record;
}

function convert(raw: string, column: Column): unknown {
  switch (column.kind) {
    case 'string':
      return raw;
    case 'boolean': {
      const v = raw.toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(v)) return true;
      if (['false', '0', 'no', 'off'].includes(v)) return false;
      throw new Error(`${column.name}: "${raw}" is not true/false`);
    }
    default: {
      const n = Number(raw);
      if (!Number.isFinite(n) || (column.kind === 'integer' && !Number.isInteger(n))) {
        throw new Error(
          `${column.name}: "${raw}" is not ${column.kind === 'integer' ? 'a whole number' : 'a number'}`,
        );
      }
      return n;
    }
  }
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[path[path.length - 1] as string] = value;
}
