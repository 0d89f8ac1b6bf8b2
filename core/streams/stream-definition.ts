import type { TSchema } from '@sinclair/typebox';
import type { Point } from '../point.js';
import type { StreamName } from './stream-name.js';

export interface FieldInfo {
  type: 'number' | 'string' | 'boolean';
  unit?: string;
  description: string;
  /**
   * Personal data (a driver pseudonym): only the stream's own domain role and the admins read it through the API
   * (see PERSONAL_FIELD_READERS in access/permissions.ts); other reading roles get 403 naming the field.
   */
  personal?: boolean;
}

export interface PointContext {
  tenant: string;
  /** The publishing device (last topic level); the default entity id when a record names none. */
  deviceId: string;
  /** The record's timestamp, parsed. */
  timeMs: number;
}

/**
 * Everything the system knows about one stream: its record schema (version 1), how a record maps to stored
 * points, and which tags and fields exist for queries. Every point carries the tags `tenant` and `device`.
 */
export interface StreamDefinition<R = unknown> {
  name: StreamName;
  version: 1;
  schema: TSchema;
  /** Tags besides tenant and device; all have a bounded set of values. */
  tags: readonly string[];
  fields: Readonly<Record<string, FieldInfo>>;
  /** Field returned by the series endpoint when the request names none. */
  defaultField: string;
  /** Checks the schema cannot express; returns the reason a valid-shaped record is refused. */
  check?(record: R): string | undefined;
  toPoints(record: R, ctx: PointContext): Point[];
}

export function defineStream<R>(definition: StreamDefinition<R>): StreamDefinition<R> {
  return definition;
}
