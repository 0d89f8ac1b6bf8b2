import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskQueue } from './disk-queue.js';

describe('DiskQueue', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), 'greenops-queue-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const drain = (q: DiskQueue) => {
    const out = [];
    for (let m = q.next(); m; m = q.next()) out.push(m);
    return out;
  };

  it('hands messages out in order and keeps the unacknowledged ones across a restart', () => {
    const dir = fresh();
    const q = DiskQueue.open({ dir, segmentBytes: 200 });
    for (let i = 0; i < 20; i++) q.append(`t/${i}`, Buffer.from(`payload ${i}`));
    const sent = drain(q);
    expect(sent.map((m) => m.topic)).toEqual(Array.from({ length: 20 }, (_, i) => `t/${i}`));
    for (const m of sent.slice(0, 7)) q.ack(m.seq);
    q.ack(sent[9]!.seq); // acknowledged out of order: 7 and 8 are still open
    q.close();

    const reopened = DiskQueue.open({ dir, segmentBytes: 200 });
    expect(reopened.length).toBe(13);
    expect(drain(reopened).map((m) => m.payload.toString())).toEqual(
      Array.from({ length: 13 }, (_, i) => `payload ${i + 7}`),
    );
    reopened.close();
  });

  it('deletes segments once everything in them is acknowledged', () => {
    const dir = fresh();
    const q = DiskQueue.open({ dir, segmentBytes: 100 });
    for (let i = 0; i < 30; i++) q.append('t', Buffer.alloc(20, i));
    expect(readdirSync(dir).filter((f) => f.endsWith('.seg')).length).toBeGreaterThan(5);
    for (const m of drain(q)) q.ack(m.seq);
    expect(q.length).toBe(0);
    expect(readdirSync(dir).filter((f) => f.endsWith('.seg')).length).toBe(1);
    q.close();
  });

  it('when full, drops the oldest messages and counts them, also across a restart', () => {
    const dir = fresh();
    const q = DiskQueue.open({ dir, segmentBytes: 100, maxBytes: 300 });
    for (let i = 0; i < 40; i++) q.append('t', Buffer.from(`m${String(i).padStart(3, '0')}`.padEnd(20, '.')));
    expect(q.bytes).toBeLessThanOrEqual(300);
    expect(q.dropped + q.length).toBe(40);
    expect(q.dropped).toBeGreaterThan(0);
    const rest = drain(q).map((m) => m.payload.toString().slice(0, 4));
    expect(rest.at(-1)).toBe('m039');
    expect(rest[0]).toBe(`m${String(q.dropped).padStart(3, '0')}`);
    q.close();
    expect(DiskQueue.open({ dir, segmentBytes: 100, maxBytes: 300 }).dropped).toBe(q.dropped);
  });

  it('survives a torn record at the end of a segment (crash mid-write)', () => {
    const dir = fresh();
    const q = DiskQueue.open({ dir });
    q.append('t', Buffer.from('whole'));
    q.close();
    const segment = readdirSync(dir).find((f) => f.endsWith('.seg'))!;
    appendFileSync(join(dir, segment), Buffer.from([0, 0, 0, 50, 0, 1, 116]));
    const reopened = DiskQueue.open({ dir });
    expect(drain(reopened).map((m) => m.payload.toString())).toEqual(['whole']);
    reopened.append('t', Buffer.from('after'));
    reopened.rewind();
    expect(drain(reopened).map((m) => m.payload.toString())).toEqual(['whole', 'after']);
    reopened.close();
  });
});
