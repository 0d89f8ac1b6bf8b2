import { GreenopsError } from '../../core/index.js';

/**
 * InfluxQL quoting. Identifiers go in double quotes and string literals in single quotes, with backslash and the
 * quote character escaped, so an id like `x" OR 1=1` or `a'b` is data, never syntax. Control characters cannot
 * be quoted safely and are refused.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

function refuseControl(text: string, what: string): void {
  if (CONTROL_RE.test(text)) {
    throw new GreenopsError('BAD_REQUEST', `${what} ${JSON.stringify(text)} contains a control character`, {
      field: what,
    });
  }
}

export function ident(name: string): string {
  refuseControl(name, 'identifier');
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function literal(value: string): string {
  refuseControl(value, 'value');
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A time bound as an InfluxQL epoch literal in ms (no time-zone parsing involved). */
export function timeMs(ms: number): string {
  if (!Number.isSafeInteger(ms))
    throw new GreenopsError('BAD_REQUEST', `time ${ms} is not a whole number of milliseconds`);
  return `${ms}ms`;
}
