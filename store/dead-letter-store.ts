import { createHash } from 'node:crypto';

export interface DeadLetterInput {
  receivedMs: number;
  topic: string;
  tenant?: string | undefined;
  stream?: string | undefined;
  reason: string;
  payload: Uint8Array;
}

export interface DeadLetter extends Omit<DeadLetterInput, 'tenant' | 'stream'> {
  /** From the topic and the whole payload (see deadLetterId): the same message redelivered is the same entry. */
  id: number;
  tenant: string | null;
  stream: string | null;
  /** Length in bytes of the payload as received (the stored payload may be a prefix of it). */
  size: number;
  /** SHA-256 of the whole payload as received, hex; null for entries stored before it was recorded. */
  sha256: string | null;
  /** The stored payload is only the first STORED_PAYLOAD_BYTES of the message. */
  truncated: boolean;
}

export interface DeadLetterPage {
  items: DeadLetter[];
  total: number;
  /** An opaque cursor: pass as `before` for the next (older) page; null on the last page. */
  nextBefore: number | null;
}

export interface DeadLetterQuery {
  limit: number;
  /** A cursor from a previous page's `nextBefore` (keyset pagination, newest first). */
  before?: number;
  tenant?: string;
  stream?: string;
}

/**
 * Where refused input is kept, with its reason, so that nothing is lost and it can be replayed. Adding is
 * idempotent: an entry whose id (topic and payload) is already stored is not stored again, so a redelivered bad
 * message, or a replay that refuses it again, leaves one entry and exact counts.
 */
export interface DeadLetterStore {
  add(entries: readonly DeadLetterInput[]): Promise<void>;
  list(query: DeadLetterQuery): Promise<DeadLetterPage>;
  get(id: number): Promise<DeadLetter | undefined>;
  /** Removes entries (after a successful replay). */
  delete(ids: readonly number[]): Promise<void>;
  /** How many entries there are per distinct reason text. */
  reasons(query: Pick<DeadLetterQuery, 'tenant' | 'stream'>): Promise<{ reason: string; count: number }[]>;
  close(): Promise<void>;
}

/**
 * Most bytes of a payload a dead letter keeps: a huge message is kept as its first 64 KiB, its size and its hash,
 * enough to see what it was and who sent it, without letting one message fill the store or a listing's memory.
 */
export const STORED_PAYLOAD_BYTES = 64 * 1024;

export interface StoredDeadLetter {
  id: number;
  sha256: string;
  size: number;
  payload: Uint8Array;
  truncated: boolean;
}

/**
 * What a store keeps of an entry: its id (52 bits of SHA-256 over topic and whole payload, a safe JS integer, so
 * the same message always gets the same id), the payload's hash and size, and at most STORED_PAYLOAD_BYTES of it.
 */
export function storedDeadLetter(topic: string, payload: Uint8Array): StoredDeadLetter {
  const sha256 = createHash('sha256').update(payload).digest('hex');
  const idHash = createHash('sha256').update(topic).update('\0').update(sha256).digest();
  // 52 bits, never 0.
  const id = (idHash.readUIntBE(0, 6) % 2 ** 52) + 1;
  const truncated = payload.byteLength > STORED_PAYLOAD_BYTES;
  return {
    id,
    sha256,
    size: payload.byteLength,
    payload: truncated ? payload.subarray(0, STORED_PAYLOAD_BYTES) : payload,
    truncated,
  };
}

/** Entries with their stored form, each id once (the last of a batch wins, as a later write would). */
export function uniqueDeadLetters(
  entries: readonly DeadLetterInput[],
): (DeadLetterInput & { stored: StoredDeadLetter })[] {
  const byId = new Map<number, DeadLetterInput & { stored: StoredDeadLetter }>();
  for (const e of entries) {
    const stored = storedDeadLetter(e.topic, e.payload);
    byId.delete(stored.id);
    byId.set(stored.id, { ...e, stored });
  }
  return [...byId.values()];
}
