/**
 * The packets an MQTT 3.1.1 subscriber receives, read straight from the socket's chunks: PUBLISH (the hot path:
 * its topic decoded, its payload a view into the chunk, no copy), CONNACK, SUBACK, PINGRESP, and the rest by type
 * only. mqtt-packet's general parser (a BufferList, an object with every field, an event per packet) cost the
 * ingest ~5 µs per message; this costs well under one (BENCHMARKS.md, issue 17). OASIS MQTT 3.1.1 §2 and §3.
 */

export type InboundPacket =
  | {
      type: 'publish';
      topic: string;
      payload: Buffer;
      qos: 0 | 1 | 2;
      dup: boolean;
      retain: boolean;
      /** Present for QoS 1 and 2. */
      messageId: number | undefined;
    }
  | { type: 'connack'; sessionPresent: boolean; returnCode: number }
  | { type: 'suback'; messageId: number; granted: number[] }
  | { type: 'pingresp' }
  | { type: 'other'; code: number };

export class MqttProtocolError extends Error {}

const PUBLISH = 3;
const CONNACK = 2;
const SUBACK = 9;
const PINGRESP = 13;

/**
 * Splits a byte stream into packets. Partial packets wait in a list of chunks that is joined once, when the
 * packet is complete (a 1 MB batch message arriving in 64 kB chunks is copied once, not sixteen times).
 */
export class MqttPacketReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes the packet at the head of `pending` needs in all, once its header is known; 0 until then. */
  private needed = 0;

  constructor(private readonly onPacket: (packet: InboundPacket) => void) {}

  /** Feeds one chunk; calls onPacket for each complete packet. Throws MqttProtocolError on a malformed stream. */
  push(chunk: Buffer): void {
    let buffer = chunk;
    if (this.pendingBytes > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.needed > 0 && this.pendingBytes < this.needed) return;
      buffer = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
      this.needed = 0;
    }
    let offset = 0;
    const end = buffer.length;
    while (offset < end) {
      // Fixed header: a type byte and the remaining length, 1 to 4 bytes of 7 bits each (§2.2.3).
      let length = 0;
      let multiplier = 1;
      let pos = offset + 1;
      let complete = false;
      for (let i = 0; i < 4 && pos < end; i++) {
        const byte = buffer[pos++] as number;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) {
          complete = true;
          break;
        }
        if (i === 3) throw new MqttProtocolError('remaining length longer than 4 bytes');
      }
      if (!complete || pos + length > end) {
        const rest = buffer.subarray(offset);
        this.pending = [rest];
        this.pendingBytes = rest.length;
        this.needed = complete ? pos - offset + length : 0;
        return;
      }
      this.onPacket(parse(buffer, buffer[offset] as number, pos, pos + length));
      offset = pos + length;
    }
  }
}

function parse(buffer: Buffer, first: number, start: number, end: number): InboundPacket {
  const type = first >> 4;
  if (type === PUBLISH) {
    const qos = (first >> 1) & 3;
    if (qos === 3) throw new MqttProtocolError('PUBLISH with QoS 3');
    if (end - start < 2) throw new MqttProtocolError('PUBLISH without a topic');
    const topicLength = ((buffer[start] as number) << 8) | (buffer[start + 1] as number);
    let pos = start + 2 + topicLength;
    if (pos + (qos > 0 ? 2 : 0) > end) throw new MqttProtocolError('PUBLISH topic longer than the packet');
    const topic = buffer.toString('utf8', start + 2, pos);
    let messageId: number | undefined;
    if (qos > 0) {
      messageId = ((buffer[pos] as number) << 8) | (buffer[pos + 1] as number);
      pos += 2;
    }
    return {
      type: 'publish',
      topic,
      payload: buffer.subarray(pos, end),
      qos: qos as 0 | 1 | 2,
      dup: (first & 0x08) !== 0,
      retain: (first & 0x01) !== 0,
      messageId,
    };
  }
  if (type === CONNACK) {
    if (end - start !== 2) throw new MqttProtocolError('CONNACK of the wrong length');
    return {
      type: 'connack',
      sessionPresent: ((buffer[start] as number) & 1) === 1,
      returnCode: buffer[start + 1] as number,
    };
  }
  if (type === SUBACK) {
    if (end - start < 3) throw new MqttProtocolError('SUBACK without a return code');
    const granted: number[] = [];
    for (let i = start + 2; i < end; i++) granted.push(buffer[i] as number);
    return {
      type: 'suback',
      messageId: ((buffer[start] as number) << 8) | (buffer[start + 1] as number),
      granted,
    };
  }
  if (type === PINGRESP) return { type: 'pingresp' };
  return { type: 'other', code: type };
}
