import { STREAM_NAMES, type StreamName } from './streams/stream-name.js';

/** MQTT topic layout, version 1: `greenops/v1/{tenant}/{stream}/{deviceId}`. */
export const TOPIC_ROOT = 'greenops/v1';

/** Tenants are municipality slugs: lower case, digits, `-` and `_`. */
export const TENANT_PATTERN = '^[a-z0-9][a-z0-9_-]{0,62}$';
/** Device and entity ids: no MQTT wildcards or separators, bounded length. */
export const ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$';

const tenantRe = new RegExp(TENANT_PATTERN);
const idRe = new RegExp(ID_PATTERN);

export interface TopicParts {
  tenant: string;
  stream: StreamName;
  deviceId: string;
}

export type TopicParseResult = { ok: true; value: TopicParts } | { ok: false; reason: string };

export function formatTopic({ tenant, stream, deviceId }: TopicParts): string {
  return `${TOPIC_ROOT}/${tenant}/${stream}/${deviceId}`;
}

/** Subscription filter for all streams of all tenants (or one tenant). */
export function topicFilter(tenant = '+', stream = '+'): string {
  return `${TOPIC_ROOT}/${tenant}/${stream}/+`;
}

export function isTenant(value: string): boolean {
  return tenantRe.test(value);
}

export function isEntityId(value: string): boolean {
  return idRe.test(value);
}

/**
 * Topics parsed recently: a deployment's devices publish on the same few thousand topics again and again, and the
 * split and two patterns cost the ingest ~1.5 µs per message. Bounded: cleared when it reaches TOPIC_CACHE_SIZE
 * (a flood of distinct topics costs the parse, never memory). Results are frozen, as callers share them.
 */
const TOPIC_CACHE_SIZE = 10_000;
const topicCache = new Map<string, TopicParseResult>();

export function parseTopic(topic: string): TopicParseResult {
  let result = topicCache.get(topic);
  if (result === undefined) {
    result = parseTopicUncached(topic);
    if (result.ok) Object.freeze(result.value);
    Object.freeze(result);
    if (topicCache.size >= TOPIC_CACHE_SIZE) topicCache.clear();
    topicCache.set(topic, result);
  }
  return result;
}

function parseTopicUncached(topic: string): TopicParseResult {
  const parts = topic.split('/');
  if (parts.length !== 5 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT) {
    return { ok: false, reason: `topic must be ${TOPIC_ROOT}/{tenant}/{stream}/{deviceId}` };
  }
  const [, , tenant = '', stream = '', deviceId = ''] = parts;
  if (!tenantRe.test(tenant)) return { ok: false, reason: `invalid tenant "${tenant}" in topic` };
  if (!(STREAM_NAMES as readonly string[]).includes(stream)) {
    return { ok: false, reason: `unknown stream "${stream}" (known: ${STREAM_NAMES.join(', ')})` };
  }
  if (!idRe.test(deviceId)) return { ok: false, reason: `invalid device id "${deviceId}" in topic` };
  return { ok: true, value: { tenant, stream: stream as StreamName, deviceId } };
}
