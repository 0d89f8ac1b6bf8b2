import { Type, type TSchema } from '@sinclair/typebox';
import { ID_PATTERN } from '../topic.js';

/** RFC 3339 timestamp with an explicit offset; a device clock without a zone is ambiguous evidence. */
export const TIMESTAMP_PATTERN =
  '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$';

export const MessageId = Type.String({
  minLength: 1,
  maxLength: 128,
  description: 'Unique per record; used to trace and de-duplicate.',
});
export const Timestamp = Type.String({
  pattern: TIMESTAMP_PATTERN,
  description: 'Device time, RFC 3339 with offset.',
});
export const EntityId = Type.String({ pattern: ID_PATTERN });
export const Latitude = Type.Number({ minimum: -90, maximum: 90 });
export const Longitude = Type.Number({ minimum: -180, maximum: 180 });
export const Heading = Type.Number({ minimum: 0, maximum: 360 });
export const NonNegative = Type.Number({ minimum: 0 });
export const Percent = Type.Number({ minimum: 0, maximum: 100 });
export const Fraction = Type.Number({ minimum: 0, maximum: 1 });

/** Records are closed: unknown properties are refused (data minimisation; evolve through a new schema version). */
export function record<T extends Parameters<typeof Type.Object>[0]>(properties: T, description: string) {
  return Type.Object(properties, { additionalProperties: false, description });
}

export type { TSchema };

/**
 * The device a record is stored under. The topic's device id is the authenticated one (the broker binds each
 * credential to its topic); a record may name another device (a gateway reporting its meters), but only inside the
 * topic device's namespace, `{topic device}:{named device}`, so no credential can write another device's series.
 */
export function reportedDevice(topicDevice: string, named: string | undefined): string {
  return named === undefined || named === topicDevice ? topicDevice : `${topicDevice}:${named}`;
}
