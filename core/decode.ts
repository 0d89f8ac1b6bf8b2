import { isAscii } from 'node:buffer';
import { parseTopic } from './topic.js';
import { recordValidator, streamDefinition, type StreamName } from './streams/index.js';
import type { Point } from './point.js';

export interface DecodeLimits {
  /** Largest accepted payload in bytes. */
  maxBytes: number;
  /** Most records in one batch message. */
  maxRecords: number;
  /** How far a device clock may run ahead of ours before a record is refused. */
  maxFutureSkewMs: number;
  /** Earliest accepted record time (epoch ms); the stores hold nanoseconds in an int64 from 1677 on. */
  minTimeMs: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  maxBytes: 1024 * 1024,
  maxRecords: 10_000,
  maxFutureSkewMs: 24 * 3600 * 1000,
  minTimeMs: 0,
};

/**
 * C0 and C1 control characters (NUL, terminal escapes) and the Unicode bidirectional overrides and isolates
 * (CVE-2021-42574, "Trojan Source"): none belongs in an id or a label, and each can mislead a log reader or a
 * terminal.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
/**
 * In the JSON text an unsafe character is either an escape (`\u0000`…`\u009f`, `\u200e`, `\u202e`, …) or, for
 * C1 and the bidi controls, the raw character: only a message that shows one of these needs its strings walked.
 */
const MAYBE_UNSAFE = /\\u|[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Two ASCII digits at `i` as a number (the timestamp pattern has already checked they are digits). */
function twoDigits(ts: string, i: number): number {
  return (ts.charCodeAt(i) - 48) * 10 + ts.charCodeAt(i + 1) - 48;
}

/**
 * Date.parse moves 30 February to 2 March and accepts hour 24; a device that sends either has a broken clock or
 * encoder, and its reading must not be filed under another day. (Digits by position: this runs for every record.)
 */
function isCalendarTime(ts: string): boolean {
  const year = twoDigits(ts, 0) * 100 + twoDigits(ts, 2);
  const month = twoDigits(ts, 5);
  const day = twoDigits(ts, 8);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && !leap ? 28 : (DAYS_IN_MONTH[month - 1] as number);
  return day <= days && twoDigits(ts, 11) < 24 && twoDigits(ts, 14) < 60 && twoDigits(ts, 17) < 60;
}

/** The path of the first string in a record that holds an unsafe character. */
function unsafeStringPath(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return UNSAFE_CHARACTERS.test(value) ? path || '/' : undefined;
  if (depth > 8 || value === null || typeof value !== 'object') return undefined;
  for (const [key, item] of Object.entries(value)) {
    const found = unsafeStringPath(item, `${path}/${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

export interface DecodedRecord {
  tenant: string;
  stream: StreamName;
  deviceId: string;
  /** Position in a batch message; 0 for a single-record message. */
  index: number;
  timeMs: number;
  record: Record<string, unknown>;
  points: Point[];
}

export interface RejectedInput {
  /** Position of the refused record in a batch, or null when the whole message is refused. */
  index: number | null;
  reason: string;
  /** What is kept for the dead-letter store: the refused record, or the whole payload. */
  payload: Uint8Array;
}

export interface DecodeResult {
  tenant: string | undefined;
  stream: StreamName | undefined;
  deviceId: string | undefined;
  records: DecodedRecord[];
  rejected: RejectedInput[];
}

const encoder = new TextEncoder();

/**
 * Turns one MQTT message into validated records and their points. A message carries one record (a JSON object)
 * or a batch (a JSON array). Pure: no I/O, so edge agents can validate before they queue.
 */
export function decodeMessage(
  topic: string,
  payload: Uint8Array,
  nowMs: number,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
): DecodeResult {
  const parsedTopic = parseTopic(topic);
  const result: DecodeResult = {
    tenant: undefined,
    stream: undefined,
    deviceId: undefined,
    records: [],
    rejected: [],
  };
  const rejectAll = (reason: string) => {
    result.rejected.push({ index: null, reason, payload });
    return result;
  };
  if (!parsedTopic.ok) return rejectAll(parsedTopic.reason);
  const { tenant, stream, deviceId } = parsedTopic.value;
  Object.assign(result, { tenant, stream, deviceId });
  if (payload.byteLength > limits.maxBytes) {
    return rejectAll(`payload of ${payload.byteLength} bytes exceeds the limit of ${limits.maxBytes}`);
  }
  let body: unknown;
  let text: string;
  const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  try {
    text = bytes.toString('utf8');
    body = JSON.parse(text);
  } catch (err) {
    return rejectAll(`invalid JSON: ${(err as Error).message}`);
  }
  // In ASCII text only `\u` and DEL can match MAYBE_UNSAFE; native byte searches find both, much faster than the
  // pattern over a batch's 20 kB (~25 µs a message).
  const mayBeUnsafe = isAscii(bytes)
    ? bytes.indexOf('\\u') !== -1 || bytes.indexOf(0x7f) !== -1
    : MAYBE_UNSAFE.test(text);
  const isBatch = Array.isArray(body);
  const items: unknown[] = isBatch ? (body as unknown[]) : [body];
  if (isBatch && items.length === 0) return rejectAll('empty batch');
  if (items.length > limits.maxRecords) {
    return rejectAll(`batch of ${items.length} records exceeds the limit of ${limits.maxRecords}`);
  }
  const check = recordValidator(stream);
  const definition = streamDefinition<Record<string, unknown>>(stream);
  const latest = nowMs + limits.maxFutureSkewMs;
  for (let index = 0; index < items.length; index++) {
    const item = items[index];
    const reject = (reason: string) =>
      result.rejected.push({
        index: isBatch ? index : null,
        reason: isBatch ? `record ${index}: ${reason}` : reason,
        payload: isBatch ? recordBytes(item, payload) : payload,
      });
    if (!check.Check(item)) {
      const first = check.Errors(item).First();
      reject(first ? `${first.path || '/'}: ${first.message}` : `not a valid ${stream} record`);
      continue;
    }
    const record = item as Record<string, unknown> & { ts: string };
    const unsafe = mayBeUnsafe ? unsafeStringPath(record, '') : undefined;
    if (unsafe) {
      reject(`${unsafe}: contains a control or direction-override character`);
      continue;
    }
    const timeMs = Date.parse(record.ts);
    if (Number.isNaN(timeMs) || !isCalendarTime(record.ts)) {
      reject(`/ts: ${record.ts} is not a calendar date and time`);
      continue;
    }
    if (timeMs < limits.minTimeMs) {
      reject(`/ts: ${record.ts} is before ${new Date(limits.minTimeMs).toISOString().slice(0, 10)}`);
      continue;
    }
    if (timeMs > latest) {
      reject(`/ts: ${record.ts} is more than ${limits.maxFutureSkewMs / 3_600_000} h in the future`);
      continue;
    }
    const problem = definition.check?.(record);
    if (problem) {
      reject(problem);
      continue;
    }
    const points = definition.toPoints(record, { tenant, deviceId, timeMs });
    const infinite = nonFiniteField(points);
    if (infinite) {
      reject(`${infinite} is not a finite number after unit conversion`);
      continue;
    }
    result.records.push({ tenant, stream, deviceId, index, timeMs, record, points });
  }
  return result;
}

/** A numeric field that unit conversion pushed to ±Infinity (1e308 MWh), which no store can hold. */
function nonFiniteField(points: readonly Point[]): string | undefined {
  for (const point of points) {
    const fields = point.fields;
    for (const name in fields) {
      const value = fields[name];
      if (typeof value === 'number' && !Number.isFinite(value)) return name;
    }
  }
  return undefined;
}

/** The refused record of a batch as JSON; the whole payload when the record cannot be serialised (too deep). */
function recordBytes(item: unknown, payload: Uint8Array): Uint8Array {
  try {
    return encoder.encode(JSON.stringify(item));
  } catch {
    return payload;
  }
}
