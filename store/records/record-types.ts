import type pg from 'pg';

/**
 * The result types of the `pg` pool, made to agree with PGlite's so that records code reads the same JavaScript
 * values from both adapters (the record-store contract checks it). Set per pool, not on `pg.types`, so other users
 * of `pg` in the process are not affected.
 */
const OID = { INT8: 20, TEXT_ARRAY: 1009, INT8_ARRAY: 1016, DATE: 1082, DATE_ARRAY: 1182 } as const;

/** int8 (count(*), bigserial) as a number while exact, a bigint beyond 2^53 rather than a silently rounded number. */
export function parseInt8(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

type Nested<T> = T | null | Nested<T>[];

function mapNested<T>(value: Nested<string>, fn: (s: string) => T): Nested<T> {
  if (value === null) return null;
  return Array.isArray(value) ? value.map((v) => mapNested(v, fn)) : fn(value);
}

/** The pool's type parsers, given `pg.types` (pg is loaded only when a PostgreSQL store is opened). */
export function recordTypes(types: typeof pg.types): pg.CustomTypesConfig {
  const defaultParser = (oid: number) =>
    types.getTypeParser(oid as Parameters<typeof types.getTypeParser>[0], 'text') as (
      text: string,
    ) => Nested<string>;
  const textParsers: Record<number, (text: string) => unknown> = {
    [OID.INT8]: parseInt8,
    [OID.INT8_ARRAY]: (text) => mapNested(defaultParser(OID.INT8_ARRAY)(text), (s) => parseInt8(s.trim())),
    // A calendar date has no time zone: 'YYYY-MM-DD', not a Date at some zone's midnight (pg: local, PGlite: UTC).
    [OID.DATE]: (text) => text,
    [OID.DATE_ARRAY]: (text) => defaultParser(OID.TEXT_ARRAY)(text),
  };
  return {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      (format ?? 'text') === 'text' && textParsers[oid]
        ? textParsers[oid]
        : types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
  };
}

/** PGlite's parsers for the same agreement (its int8 already is number-or-bigint). */
export const PGLITE_PARSERS: Record<number, (text: string) => unknown> = {
  [OID.DATE]: (text) => text,
};
