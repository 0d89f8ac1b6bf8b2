export interface DeadLetterInput {
  receivedMs: number;
  topic: string;
  tenant?: string | undefined;
  stream?: string | undefined;
  reason: string;
  payload: Uint8Array;
}

export interface DeadLetter extends Omit<DeadLetterInput, 'tenant' | 'stream'> {
  id: number;
  tenant: string | null;
  stream: string | null;
  /** Payload length in bytes. */
  size: number;
}

export interface DeadLetterPage {
  items: DeadLetter[];
  total: number;
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextBefore: number | null;
}

export interface DeadLetterQuery {
  limit: number;
  /** Only entries with an id below this one (keyset pagination, newest first). */
  before?: number;
  tenant?: string;
  stream?: string;
}

/** Where refused input is kept, with its reason, so that nothing is lost and it can be replayed. */
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
