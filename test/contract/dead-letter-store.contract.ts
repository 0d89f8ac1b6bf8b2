import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import {
  STORED_PAYLOAD_BYTES,
  storedDeadLetter,
  type DeadLetterInput,
  type DeadLetterStore,
} from '../../store/index.js';

export interface DeadLetterStoreUnderTest {
  deadLetters: DeadLetterStore;
  close(): Promise<void>;
}

const T0 = Date.UTC(2026, 0, 5);

function entry(i: number, over: Partial<DeadLetterInput> = {}): DeadLetterInput {
  return {
    receivedMs: T0 + i,
    topic: `greenops/v1/demo/fleet/v-${i}`,
    tenant: 'demo',
    stream: 'fleet',
    reason: `reason ${i}`,
    payload: Buffer.from(`payload ${i}`),
    ...over,
  };
}

/** What the API and replay need from any dead-letter store; run against DuckDB and InfluxDB. */
export function deadLetterStoreContract(name: string, open: () => Promise<DeadLetterStoreUnderTest>): void {
  describe(`DeadLetterStore contract: ${name}`, () => {
    let subject: DeadLetterStoreUnderTest;
    let store: DeadLetterStore;
    beforeAll(async () => {
      subject = await open();
      store = subject.deadLetters;
      await store.add([entry(1), entry(2), entry(3, { tenant: 'odense' }), entry(4, { stream: 'road' })]);
      await store.add([entry(5, { tenant: undefined, stream: undefined, topic: 'not/a/greenops/topic' })]);
    });
    afterAll(async () => {
      await subject?.close();
    });

    it('lists newest first and pages with nextBefore until the end', async () => {
      const first = await store.list({ limit: 2 });
      expect(first.total).toBe(5);
      expect(first.items.map((i) => i.reason)).toEqual(['reason 5', 'reason 4']);
      const second = await store.list({ limit: 2, before: first.nextBefore! });
      expect(second.items.map((i) => i.reason)).toEqual(['reason 3', 'reason 2']);
      const third = await store.list({ limit: 2, before: second.nextBefore! });
      expect(third.items.map((i) => i.reason)).toEqual(['reason 1']);
      expect(third.nextBefore).toBeNull();
    });

    it('filters by tenant and stream, and keeps entries whose topic named neither', async () => {
      const demoFleet = await store.list({ limit: 10, tenant: 'demo', stream: 'fleet' });
      expect(demoFleet.items.map((i) => i.reason)).toEqual(['reason 2', 'reason 1']);
      expect(demoFleet.total).toBe(2);
      const [unknown] = (await store.list({ limit: 1 })).items;
      expect(unknown).toMatchObject({ tenant: null, stream: null, topic: 'not/a/greenops/topic' });
    });

    it('counts entries per reason and deletes entries by id', async () => {
      await store.add([
        entry(20, { tenant: 'gone', reason: 'same' }),
        entry(21, { tenant: 'gone', reason: 'same' }),
        entry(22, { tenant: 'gone', reason: 'other' }),
      ]);
      expect(
        (await store.reasons({ tenant: 'gone' })).sort((a, b) => a.reason.localeCompare(b.reason)),
      ).toEqual([
        { reason: 'other', count: 1 },
        { reason: 'same', count: 2 },
      ]);
      const page = await store.list({ limit: 10, tenant: 'gone' });
      await store.delete(page.items.filter((i) => i.reason === 'same').map((i) => i.id));
      const after = await store.list({ limit: 10, tenant: 'gone' });
      expect(after.items.map((i) => i.reason)).toEqual(['other']);
      expect(after.total).toBe(1);
    });

    it('keeps payloads byte for byte up to the stored limit, and a prefix, size and hash beyond it', async () => {
      const binary = Buffer.from([0, 255, 1, 254, 10, 13]);
      const whole = Buffer.alloc(STORED_PAYLOAD_BYTES, 'w');
      const large = Buffer.alloc(1024 * 1024, 'x');
      large.write('end', large.length - 3);
      await store.add([
        entry(10, { payload: binary, reason: 'binary', tenant: 'bytes' }),
        entry(11, { payload: large, reason: 'large', tenant: 'bytes' }),
        entry(12, { payload: whole, reason: 'whole', tenant: 'bytes' }),
      ]);
      const page = await store.list({ limit: 5, tenant: 'bytes' });
      const byReason = Object.fromEntries(page.items.map((i) => [i.reason, i]));
      expect(Buffer.from(byReason.binary!.payload)).toEqual(binary);
      expect(byReason.binary!.truncated).toBe(false);
      const fetchedWhole = await store.get(byReason.whole!.id);
      expect(Buffer.from(fetchedWhole!.payload).equals(whole)).toBe(true);
      expect(fetchedWhole!.truncated).toBe(false);
      expect(byReason.large!.size).toBe(large.length);
      const fetched = await store.get(byReason.large!.id);
      expect(fetched!.truncated).toBe(true);
      expect(Buffer.from(fetched!.payload).equals(large.subarray(0, STORED_PAYLOAD_BYTES))).toBe(true);
      expect(fetched!.sha256).toBe(createHash('sha256').update(large).digest('hex'));
      expect(await store.get(999_999_999_999)).toBeUndefined();
    });

    it('stores a message redelivered, in the same batch or a later one, once: counts stay exact', async () => {
      const bad = entry(30, { tenant: 'redelivered', reason: 'bad', payload: Buffer.from('{"x":1}') });
      await store.add([bad, { ...bad, receivedMs: bad.receivedMs + 1 }]);
      await store.add([{ ...bad, receivedMs: bad.receivedMs + 2 }]);
      // The same payload on another topic is another message.
      await store.add([{ ...bad, topic: 'greenops/v1/redelivered/fleet/other' }]);
      const page = await store.list({ limit: 10, tenant: 'redelivered' });
      expect(page.total).toBe(2);
      expect(page.items.map((i) => i.topic).sort()).toEqual([
        'greenops/v1/demo/fleet/v-30',
        'greenops/v1/redelivered/fleet/other',
      ]);
      expect(await store.reasons({ tenant: 'redelivered' })).toEqual([{ reason: 'bad', count: 2 }]);
      const first = page.items.find((i) => i.topic.endsWith('v-30'))!;
      expect(first.id).toBe(storedDeadLetter(first.topic, bad.payload).id);
      expect(Number.isSafeInteger(first.id) && first.id > 0).toBe(true);
    });
  });
}
