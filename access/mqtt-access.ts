import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { formatTopic } from '../core/index.js';
import type { DeviceCredentialStore, DeviceIdentity } from './device-credentials.js';

/**
 * An in-process service's MQTT identity (the ingest, the dead-letter republisher): a user name, a password that
 * lives only in memory, and the topic filters it may publish to and subscribe to.
 */
export interface ServiceAccount {
  username: string;
  password: string;
  publish: readonly string[];
  subscribe: readonly string[];
}

export interface ServiceIdentity {
  kind: 'service';
  username: string;
  publish: readonly string[];
  subscribe: readonly string[];
}

/** A client without credentials, admitted only with GREENOPS_MQTT_ALLOW_ANONYMOUS=true (tests, local play). */
export interface AnonymousIdentity {
  kind: 'anonymous';
}

export type MqttIdentity = DeviceIdentity | ServiceIdentity | AnonymousIdentity;

export type MqttDecision = { ok: true } | { ok: false; reason: string };

export interface MqttAccessOptions {
  /** Device credentials; without them no device can connect. */
  devices?: DeviceCredentialStore | undefined;
  services?: readonly ServiceAccount[];
  allowAnonymous?: boolean;
}

/** The ingest reads every message under greenops/, malformed topics included, so it can dead-letter them. */
export const INGEST_USERNAME = 'greenops-ingest';
export const INGEST_TOPICS = { publish: [], subscribe: ['greenops/#'] } as const;

/** A service account with a fresh random password, for a process that talks to its own embedded broker. */
export function serviceAccount(
  username: string,
  topics: { publish: readonly string[]; subscribe: readonly string[] },
): ServiceAccount {
  return { username, password: randomBytes(32).toString('base64url'), ...topics };
}

const OK: MqttDecision = { ok: true };

/**
 * Who may connect to the broker and what each identity may do: a device publishes to its own topic
 * `greenops/v1/{tenant}/{stream}/{device}` and subscribes to nothing; a service has its listed filters;
 * anonymous clients are refused unless allowed.
 */
export class MqttAccess {
  private readonly services: Map<string, { account: ServiceAccount; digest: Buffer }>;

  constructor(private readonly options: MqttAccessOptions = {}) {
    this.services = new Map(
      (options.services ?? []).map((a) => [a.username, { account: a, digest: digest(a.password) }]),
    );
  }

  get allowsAnonymous(): boolean {
    return this.options.allowAnonymous ?? false;
  }

  /** The identity behind a CONNECT's user name and password, or undefined to refuse it. */
  async authenticate(
    username: string | undefined,
    password: string | Buffer | undefined,
  ): Promise<MqttIdentity | undefined> {
    if (username === undefined || username === '') {
      return this.allowsAnonymous && password === undefined ? { kind: 'anonymous' } : undefined;
    }
    if (password === undefined) return undefined;
    const service = this.services.get(username);
    if (service) {
      if (!timingSafeEqual(digest(password), service.digest)) return undefined;
      const { publish, subscribe } = service.account;
      return { kind: 'service', username, publish, subscribe };
    }
    return this.options.devices?.verify(username, password);
  }

  /** Whether `identity` may publish to `topic`; a device is re-checked against revocation on every publish. */
  async mayPublish(identity: MqttIdentity, topic: string): Promise<MqttDecision> {
    if (topic.startsWith('$')) return { ok: false, reason: `${topic.split('/')[0]} topics are reserved` };
    switch (identity.kind) {
      case 'anonymous':
        return OK;
      case 'service':
        return identity.publish.some((f) => topicMatches(f, topic))
          ? OK
          : { ok: false, reason: `${identity.username} may not publish to ${topic}` };
      case 'device': {
        const own = formatTopic({
          tenant: identity.tenant,
          stream: identity.stream,
          deviceId: identity.device,
        });
        if (topic !== own)
          return {
            ok: false,
            reason: `device ${identity.username} may publish only to ${own}, not ${topic}`,
          };
        if (!(await this.options.devices?.isActive(identity.credentialId)))
          return { ok: false, reason: `device credential ${identity.credentialId} has been revoked` };
        return OK;
      }
    }
  }

  /** Whether `identity` may subscribe to `filter` (a `$share/{group}/` prefix is judged by the filter behind it). */
  maySubscribe(identity: MqttIdentity, filter: string): MqttDecision {
    switch (identity.kind) {
      case 'anonymous':
        return OK;
      case 'device':
        return { ok: false, reason: `device ${identity.username} may not subscribe` };
      case 'service': {
        const plain = unshared(filter);
        return identity.subscribe.some((allowed) => filterCovers(allowed, plain))
          ? OK
          : { ok: false, reason: `${identity.username} may not subscribe to ${filter}` };
      }
    }
  }
}

function digest(password: string | Buffer): Buffer {
  return createHash('sha256').update(password).digest();
}

function unshared(filter: string): string {
  if (!filter.startsWith('$share/')) return filter;
  return filter.split('/').slice(2).join('/');
}

/** MQTT 3.1.1 §4.7 topic matching of a concrete topic against a filter (`+` one level, `#` the rest). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return i > 0 || !topic.startsWith('$');
    if (i >= t.length) return false;
    if (level === '+') {
      if (i === 0 && topic.startsWith('$')) return false;
      continue;
    }
    if (level !== t[i]) return false;
  }
  return f.length === t.length;
}

/** Whether every topic the `requested` filter can match is matched by `allowed`. */
export function filterCovers(allowed: string, requested: string): boolean {
  const a = allowed.split('/');
  const r = requested.split('/');
  for (let i = 0; i < a.length; i++) {
    const level = a[i];
    if (level === '#') return true;
    const asked = r[i];
    if (asked === undefined) return false;
    if (asked === '#') return false;
    if (level === '+') continue;
    if (asked === '+' || asked !== level) return false;
  }
  return a.length === r.length;
}
