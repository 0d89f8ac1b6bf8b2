import {
  closeSync,
  existsSync,
  fdatasyncSync,
  ftruncateSync,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
  readFileSync,
} from 'node:fs';
import { join } from 'node:path';

export interface QueuedMessage {
  /** Position in the queue, increasing; used to acknowledge. */
  seq: number;
  topic: string;
  payload: Buffer;
}

export interface DiskQueueOptions {
  dir: string;
  /** Most bytes on disk; past it the oldest segment is dropped and its messages counted. */
  maxBytes?: number;
  segmentBytes?: number;
}

export const DEFAULT_DISK_QUEUE = { maxBytes: 256 * 1024 * 1024, segmentBytes: 8 * 1024 * 1024 };

interface Segment {
  id: number;
  path: string;
  bytes: number;
  messages: number;
  /** seq of the segment's first message. */
  firstSeq: number;
}

interface State {
  /** First unacknowledged message: segment id and byte offset. */
  segment: number;
  offset: number;
  /** seq of that message. */
  seq: number;
  /** Messages dropped because the queue was full, ever. */
  dropped: number;
}

const HEADER = 6; // u32 record length (after this field) + u16 topic length

/**
 * An append-only, segmented message queue on disk for edge agents. Records are `[u32 length][u16 topic length]
 * [topic][payload]`; a small state file holds the position of the first unacknowledged message. Messages are
 * deleted (their segment removed) only after they are acknowledged, so they survive agent restarts, broker
 * outages and network partitions. When the queue is full the oldest segment is dropped and its messages are
 * counted in `dropped` (persisted), never silently.
 */
export class DiskQueue {
  private readonly segments: Segment[] = [];
  private writeFd: number | undefined;
  private state: State;
  /** Read position for sending (may run ahead of the acknowledged position). */
  private readSegment = 0;
  private readOffset = 0;
  private readSeq = 0;
  private nextSeq = 0;
  private readonly acked = new Set<number>();
  /** Record sizes of messages handed out, so acknowledging does not read them again. */
  private readonly sizes = new Map<number, number>();
  private dirty = false;
  private readonly maxBytes: number;
  private readonly segmentBytes: number;

  private constructor(
    private readonly dir: string,
    options: DiskQueueOptions,
  ) {
    this.maxBytes = options.maxBytes ?? DEFAULT_DISK_QUEUE.maxBytes;
    this.segmentBytes = options.segmentBytes ?? DEFAULT_DISK_QUEUE.segmentBytes;
    this.state = { segment: 0, offset: 0, seq: 0, dropped: 0 };
  }

  static open(options: DiskQueueOptions): DiskQueue {
    mkdirSync(options.dir, { recursive: true });
    const queue = new DiskQueue(options.dir, options);
    queue.load();
    return queue;
  }

  /** Messages waiting (sent or not) that are not yet acknowledged. */
  get length(): number {
    return this.nextSeq - this.state.seq;
  }

  get dropped(): number {
    return this.state.dropped;
  }

  get bytes(): number {
    return this.segments.reduce((sum, s) => sum + s.bytes, 0);
  }

  append(topic: string, payload: Buffer): number {
    const topicBytes = Buffer.from(topic);
    const record = Buffer.allocUnsafe(HEADER + topicBytes.length + payload.length);
    record.writeUInt32BE(2 + topicBytes.length + payload.length, 0);
    record.writeUInt16BE(topicBytes.length, 4);
    topicBytes.copy(record, HEADER);
    payload.copy(record, HEADER + topicBytes.length);
    let last = this.segments.at(-1);
    if (!last || last.bytes + record.length > this.segmentBytes) last = this.rollSegment();
    writeSync(this.writeFd as number, record);
    last.bytes += record.length;
    last.messages += 1;
    this.dirty = true;
    const seq = this.nextSeq++;
    this.enforceLimit();
    return seq;
  }

  /** The next message not yet handed out for sending, in order; undefined when all were handed out. */
  next(): QueuedMessage | undefined {
    for (;;) {
      if (this.readSeq < this.state.seq) this.seekToState();
      const segment = this.segments.find((s) => s.id === this.readSegment);
      if (!segment) return undefined;
      if (this.readOffset >= segment.bytes) {
        const following = this.segments.find((s) => s.id > this.readSegment);
        if (!following) return undefined;
        this.readSegment = following.id;
        this.readOffset = 0;
        continue;
      }
      const record = readRecord(segment.path, this.readOffset);
      this.readOffset += record.size;
      this.sizes.set(this.readSeq, record.size);
      return { seq: this.readSeq++, topic: record.topic, payload: record.payload };
    }
  }

  /** Hands out everything again from the first unacknowledged message (after a reconnect). */
  rewind(): void {
    this.seekToState();
    this.acked.clear();
    this.sizes.clear();
  }

  /** Marks a message acknowledged; the acknowledged prefix is forgotten and fully acknowledged segments deleted. */
  ack(seq: number): void {
    if (seq < this.state.seq) return;
    this.acked.add(seq);
    while (this.acked.has(this.state.seq)) {
      this.acked.delete(this.state.seq);
      this.advanceState();
    }
    this.dirty = true;
  }

  /** Makes appends and the acknowledged position durable (fdatasync + atomic state file). */
  sync(): void {
    if (!this.dirty) return;
    if (this.writeFd !== undefined) fdatasyncSync(this.writeFd);
    const tmp = join(this.dir, 'state.json.tmp');
    writeFileSync(tmp, JSON.stringify(this.state));
    renameSync(tmp, join(this.dir, 'state.json'));
    this.dirty = false;
  }

  close(): void {
    this.sync();
    if (this.writeFd !== undefined) closeSync(this.writeFd);
    this.writeFd = undefined;
  }

  private advanceState(): void {
    const segment = this.stateSegment();
    if (!segment) return;
    const size = this.sizes.get(this.state.seq) ?? readRecord(segment.path, this.state.offset).size;
    this.sizes.delete(this.state.seq);
    this.state.offset += size;
    this.state.seq += 1;
    this.stateSegment();
  }

  /** The segment holding the first unacknowledged message, leaving behind (deleting) fully acknowledged ones. */
  private stateSegment(): Segment | undefined {
    let segment = this.segments.find((s) => s.id === this.state.segment);
    while (segment && this.state.offset >= segment.bytes && segment !== this.segments.at(-1)) {
      this.removeSegment(segment);
      segment = this.segments[0];
      if (segment) this.state = { ...this.state, segment: segment.id, offset: 0 };
    }
    return segment;
  }

  private seekToState(): void {
    this.readSegment = this.state.segment;
    this.readOffset = this.state.offset;
    this.readSeq = this.state.seq;
  }

  private rollSegment(): Segment {
    if (this.writeFd !== undefined) {
      fdatasyncSync(this.writeFd);
      closeSync(this.writeFd);
    }
    const id = (this.segments.at(-1)?.id ?? this.state.segment - 1) + 1;
    const path = join(this.dir, `${String(id).padStart(10, '0')}.seg`);
    this.writeFd = openSync(path, 'a');
    const segment: Segment = { id, path, bytes: 0, messages: 0, firstSeq: this.nextSeq };
    this.segments.push(segment);
    return segment;
  }

  private enforceLimit(): void {
    while (this.bytes > this.maxBytes && this.segments.length > 1) {
      const oldest = this.segments[0] as Segment;
      // Messages of the oldest segment not yet acknowledged are lost: count them.
      const unacked = oldest.firstSeq + oldest.messages - Math.max(this.state.seq, oldest.firstSeq);
      this.state.dropped += Math.max(0, unacked);
      this.removeSegment(oldest);
      const following = this.segments[0] as Segment;
      if (this.state.segment <= oldest.id) {
        this.state = { ...this.state, segment: following.id, offset: 0, seq: following.firstSeq };
        for (const seq of [...this.acked]) if (seq < following.firstSeq) this.acked.delete(seq);
      }
      this.dirty = true;
    }
  }

  private removeSegment(segment: Segment): void {
    this.segments.splice(this.segments.indexOf(segment), 1);
    rmSync(segment.path, { force: true });
  }

  private load(): void {
    const statePath = join(this.dir, 'state.json');
    if (existsSync(statePath)) this.state = JSON.parse(readFileSync(statePath, 'utf8')) as State;
    const ids = readdirSync(this.dir)
      .filter((f) => /^\d{10}\.seg$/.test(f))
      .map((f) => Number(f.slice(0, 10)))
      .sort((a, b) => a - b);
    let seq = this.state.seq;
    for (const id of ids) {
      const path = join(this.dir, `${String(id).padStart(10, '0')}.seg`);
      if (id < this.state.segment) {
        rmSync(path, { force: true }); // fully acknowledged before the last stop
        continue;
      }
      const bytes = validLength(path);
      const messages = countRecords(path, bytes, id === this.state.segment ? this.state.offset : 0);
      this.segments.push({ id, path, bytes, messages: messages.total, firstSeq: seq - messages.before });
      seq += messages.total - messages.before;
    }
    this.nextSeq = seq;
    const last = this.segments.at(-1);
    if (last) this.writeFd = openSync(last.path, 'a');
    if (!this.segments.some((s) => s.id === this.state.segment)) {
      const first = this.segments[0];
      if (first) this.state = { ...this.state, segment: first.id, offset: 0, seq: first.firstSeq };
    }
    this.seekToState();
  }
}

function readRecord(path: string, offset: number): { topic: string; payload: Buffer; size: number } {
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(HEADER);
    readSync(fd, header, 0, HEADER, offset);
    const length = header.readUInt32BE(0);
    const topicLength = header.readUInt16BE(4);
    const body = Buffer.alloc(length - 2);
    readSync(fd, body, 0, body.length, offset + HEADER);
    return {
      topic: body.subarray(0, topicLength).toString(),
      payload: body.subarray(topicLength),
      size: 4 + length,
    };
  } finally {
    closeSync(fd);
  }
}

/** Length of the file up to its last complete record (a crash can leave a torn record at the end). */
function validLength(path: string): number {
  const size = statSync(path).size;
  const fd = openSync(path, 'r+');
  try {
    let offset = 0;
    const header = Buffer.alloc(4);
    while (offset + 4 <= size) {
      readSync(fd, header, 0, 4, offset);
      const next = offset + 4 + header.readUInt32BE(0);
      if (next > size) break;
      offset = next;
    }
    if (offset < fstatSync(fd).size) ftruncateSync(fd, offset);
    return offset;
  } finally {
    closeSync(fd);
  }
}

function countRecords(path: string, bytes: number, stateOffset: number): { total: number; before: number } {
  const fd = openSync(path, 'r');
  try {
    let offset = 0;
    let total = 0;
    let before = 0;
    const header = Buffer.alloc(4);
    while (offset < bytes) {
      if (offset < stateOffset) before += 1;
      readSync(fd, header, 0, 4, offset);
      offset += 4 + header.readUInt32BE(0);
      total += 1;
    }
    return { total, before };
  } finally {
    closeSync(fd);
  }
}
