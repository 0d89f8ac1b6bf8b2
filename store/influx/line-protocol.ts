import { pointTimeNs, type Point } from '../../core/index.js';

// Escaping rules of the InfluxDB line protocol: measurement: comma, space; tag keys/values and field keys:
// comma, equals sign, space; string field values: double quote and backslash (a newline inside the quotes is
// fine). A backslash in a tag is kept literally (InfluxDB 1.x does not unescape it, checked against influxd
// 1.6), so one at the end of a tag, which would escape the separator after it, is refused, as are newlines
// outside string fields, which cannot be escaped at all.
const MEASUREMENT_RE = /[, ]/g;
const TAG_RE = /[,= ]/g;
const STRING_RE = /["\\]/g;
const NEWLINE_RE = /[\n\r]/;
/** Anything that needs escaping or checking; most ids and names have none, and skip all the work below. */
const SPECIAL_RE = /[,= \\\n\r"]/;

function checkedTag(text: string, what: string): string {
  if (NEWLINE_RE.test(text)) throw new Error(`${what} contains a line break: ${JSON.stringify(text)}`);
  if (text.endsWith('\\')) throw new Error(`${what} ends with a backslash: ${JSON.stringify(text)}`);
  return text;
}

export function escapeMeasurement(name: string): string {
  if (!SPECIAL_RE.test(name)) return name;
  return checkedTag(name, 'measurement').replace(MEASUREMENT_RE, (c) => `\\${c}`);
}

export function escapeTagPart(text: string): string {
  if (!SPECIAL_RE.test(text)) return text;
  return checkedTag(text, 'tag').replace(TAG_RE, (c) => `\\${c}`);
}

function sortedKeys(tags: Record<string, string>): string[] {
  const keys = Object.keys(tags);
  for (let i = 1; i < keys.length; i++) {
    if ((keys[i - 1] as string) > (keys[i] as string)) return keys.sort();
  }
  return keys;
}

/** One line per point; tags sorted by key (InfluxDB's preferred order), empty tag values left out. */
export function toLine(point: Point): string {
  let line = escapeMeasurement(point.measurement);
  const tags = point.tags;
  for (const key of sortedKeys(tags)) {
    const value = tags[key];
    if (value) line += `,${escapeTagPart(key)}=${escapeTagPart(value)}`;
  }
  let separator = ' ';
  for (const key in point.fields) {
    const value = point.fields[key];
    let text: string;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) continue;
      text = String(value);
    } else if (typeof value === 'boolean') text = value ? 'true' : 'false';
    else
      text = `"${SPECIAL_RE.test(value as string) ? (value as string).replace(STRING_RE, (c) => `\\${c}`) : (value as string)}"`; // newlines are allowed inside quotes
    line += `${separator}${escapeTagPart(key)}=${text}`;
    separator = ',';
  }
  if (separator === ' ') throw new Error(`point of ${point.measurement} has no fields`);
  return `${line} ${pointTimeNs(point)}`;
}
