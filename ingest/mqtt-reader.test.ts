import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { MqttPacketReader, MqttProtocolError } from './mqtt-reader.js';

// Packets are encoded by mqtt-packet (the library mqtt.js and aedes use), so the reader is checked against an
// independent encoder, not against itself.
const publish = (topic: string, payload: Buffer, qos: 0 | 1, messageId?: number, dup = false) =>
  mqttPacket.generate({
    cmd: 'publish',
    topic,
    payload,
    qos,
    dup,
    retain: false,
    ...(messageId !== undefined ? { messageId } : {}),
  });

const stream = Buffer.concat([
  mqttPacket.generate({ cmd: 'connack', sessionPresent: true, returnCode: 0 }),
  mqttPacket.generate({ cmd: 'suback', messageId: 7, granted: [1, 0x80] }),
  publish('greenops/v1/aarhus/energy/gw-1', Buffer.from('{"a":1}'), 1, 65535, true),
  publish('greenops/v1/æbeltoft/energy/målér', Buffer.from('{"ø":"å"}'), 0),
  publish('greenops/v1/x/road/cam', Buffer.alloc(20_000, 0x61), 1, 1), // a 3-byte remaining length
  mqttPacket.generate({ cmd: 'pingresp' }),
  Buffer.from([0xb0, 0x02, 0x00, 0x03]), // UNSUBACK (mqtt-packet's types want MQTT 5 fields for it)
]);

function readAll(chunks: Buffer[]): unknown[] {
  const packets: unknown[] = [];
  const reader = new MqttPacketReader((p) =>
    // The payload is a view into the chunk: kept as text (compared much faster than a Buffer).
    packets.push(p.type === 'publish' ? { ...p, payload: p.payload.toString('latin1') } : p),
  );
  for (const chunk of chunks) reader.push(chunk);
  return packets;
}

const expected: unknown[] = [
  { type: 'connack', sessionPresent: true, returnCode: 0 },
  { type: 'suback', messageId: 7, granted: [1, 0x80] },
  {
    type: 'publish',
    topic: 'greenops/v1/aarhus/energy/gw-1',
    payload: '{"a":1}',
    qos: 1,
    dup: true,
    retain: false,
    messageId: 65535,
  },
  {
    type: 'publish',
    topic: 'greenops/v1/æbeltoft/energy/målér',
    payload: Buffer.from('{"ø":"å"}').toString('latin1'),
    qos: 0,
    dup: false,
    retain: false,
    messageId: undefined,
  },
  {
    type: 'publish',
    topic: 'greenops/v1/x/road/cam',
    payload: 'a'.repeat(20_000),
    qos: 1,
    dup: false,
    retain: false,
    messageId: 1,
  },
  { type: 'pingresp' },
  { type: 'other', code: 11 },
];

describe('MqttPacketReader', () => {
  it('reads a stream of packets in one chunk', () => {
    expect(readAll([stream])).toEqual(expected);
  });

  it('reads the same packets however the stream is cut', () => {
    // Every cut point in the small packets (headers split between chunks), and a few through the large payload.
    const cuts = [...Array.from({ length: 80 }, (_, i) => i + 1), 1000, 12_000, stream.length - 3];
    for (const cut of cuts)
      expect(readAll([stream.subarray(0, cut), stream.subarray(cut)])).toEqual(expected);
  });

  it('reads a stream fed a byte at a time, and in 4 kB chunks', () => {
    const small = stream.subarray(0, 120);
    const smallExpected = readAll([small]);
    expect(smallExpected.length).toBeGreaterThanOrEqual(3);
    expect(readAll([...small].map((b) => Buffer.from([b])))).toEqual(smallExpected);
    const chunks: Buffer[] = [];
    for (let i = 0; i < stream.length; i += 4096) chunks.push(stream.subarray(i, i + 4096));
    expect(readAll(chunks)).toEqual(expected);
  });

  it('refuses a remaining length of more than four bytes, QoS 3 and a topic longer than its packet', () => {
    const reader = new MqttPacketReader(() => undefined);
    expect(() => reader.push(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))).toThrow(MqttProtocolError);
    expect(() => new MqttPacketReader(() => undefined).push(Buffer.from([0x36, 0x02, 0x00, 0x00]))).toThrow(
      /QoS 3/,
    );
    expect(() =>
      new MqttPacketReader(() => undefined).push(Buffer.from([0x32, 0x04, 0x00, 0x09, 0x61, 0x62])),
    ).toThrow(/topic longer/);
  });
});
