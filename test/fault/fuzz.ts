import { Random } from '../../edge/index.js';

export interface FuzzMessage {
  device: string;
  payload: Buffer;
  valid: boolean;
}

/**
 * `count` road-stream payloads, about a third valid detections and the rest invalid in every way we could think
 * of: random bytes, truncated JSON, wrong types, huge arrays, deep nesting, unknown properties, out-of-range
 * values. Each invalid message yields exactly one refusal (whole-message or its single record), and the same
 * message sent twice is the same dead letter, so the dead-letter count must equal `invalid`, the number of
 * distinct invalid messages (device topic and payload).
 */
export function fuzzPayloads(
  count: number,
  seed: number,
): { messages: FuzzMessage[]; valid: number; invalid: number } {
  const random = new Random(seed);
  const messages: FuzzMessage[] = [];
  const validRecord = (i: number) => ({
    id: `fuzz-${i}`,
    ts: new Date(Date.UTC(2026, 0, 6) + i * 1000).toISOString(),
    lat: 56.1,
    lon: 10.2,
    damage: 'D20',
    confidence: 0.8,
    bbox: { x: 0.1, y: 0.2, w: 0.3, h: 0.1 },
  });
  for (let i = 0; i < count; i++) {
    const device = `cam-${i % 13}`;
    const kind = random.int(0, 8);
    const json = (v: unknown) => Buffer.from(JSON.stringify(v));
    let payload: Buffer;
    let valid = false;
    switch (kind) {
      case 0:
      case 1:
      case 2:
        payload = json(validRecord(i));
        valid = true;
        break;
      case 3:
        payload = Buffer.from(Array.from({ length: random.int(1, 300) }, () => random.int(0, 255)));
        // Random bytes that happen to be a valid record are impossible in practice; keep the count honest anyway.
        break;
      case 4: {
        const text = JSON.stringify(validRecord(i));
        payload = Buffer.from(text.slice(0, random.int(1, text.length - 1)));
        break;
      }
      case 5:
        payload = json({ ...validRecord(i), confidence: random.pick(['high', null, [], {}, -1, 7]) });
        break;
      case 6:
        payload = json(Array.from({ length: 10_001 }, () => random.int(0, 9)));
        break;
      case 7:
        payload = Buffer.from('['.repeat(5_000) + ']'.repeat(5_000));
        break;
      default:
        payload = json({ ...validRecord(i), driverName: 'somebody' });
        break;
    }
    messages.push({ device, payload, valid });
  }
  const valid = messages.filter((m) => m.valid).length;
  // A dead letter is one per topic and payload: the same bad message sent twice is one entry.
  const invalid = new Set(
    messages.filter((m) => !m.valid).map((m) => `${m.device}\0${m.payload.toString('base64')}`),
  ).size;
  return { messages, valid, invalid };
}
