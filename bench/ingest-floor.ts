/**
 * npm run bench:ingest-floor — the work per message that the ingest cannot skip, in one process with no I/O: the
 * messages the ingest bench's publisher sends (bench/ingest/publisher.ts), decoded by `decodeMessage` (JSON.parse,
 * the compiled schema check, the time checks, the mapping to points) and encoded as line protocol by the InfluxDB
 * store's encoder, a write of 500 points at a time (so points die young, as in the ingest); decodeMessage alone and
 * JSON.parse alone are timed too, the line protocol's share being the difference. `process.cpuUsage` around each round of
 * BENCH_MESSAGES fresh messages (default 200,000; built outside the timing), median of BENCH_RUNS rounds
 * (default 5) after one warm-up round. Single readings and batches of 100 (per reading).
 *
 * This is a floor for `bench:ingest`'s CPU per message: the MQTT reading, batching, the HTTP write, the kernel's
 * share and garbage collection come on top of it.
 */
import { decodeMessage } from '../core/decode.js';
import { LineProtocolEncoder } from '../store/influx/line-protocol.js';
import type { Point } from '../core/index.js';
import { reading } from './ingest/publisher.js';
import { median } from './ingest/processes.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 200_000);
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 5));
const WRITE_POINTS = 500;
const NOW_MS = Date.UTC(2026, 5, 1);

const cpuMicros = (work: () => void): number => {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return used.user + used.system;
};

function measure(readingsPerMessage: number) {
  const messages = Math.max(1, Math.round(MESSAGES / readingsPerMessage));
  const encoder = new LineProtocolEncoder();
  const rounds: { parse: number; decode: number; encode: number }[] = [];
  let next = 0;
  let sink = 0;
  for (let round = 0; round <= RUNS; round++) {
    const payloads: [string, Buffer][] = [];
    for (let i = 0; i < messages; i++) {
      const body =
        readingsPerMessage === 1
          ? reading(next++)
          : Array.from({ length: readingsPerMessage }, () => reading(next++));
      payloads.push([`greenops/v1/bench/energy/gw-${i % 100}`, Buffer.from(JSON.stringify(body))]);
    }
    const parse = cpuMicros(() => {
      for (const [, payload] of payloads) if (JSON.parse(payload.toString('utf8')) !== null) sink += 1;
    });
    // Decoded and encoded a write's worth at a time, as the ingest does: points die young, as there.
    let decoded = 0;
    const decode = cpuMicros(() => {
      for (const [topic, payload] of payloads)
        decoded += decodeMessage(topic, payload, NOW_MS).records.length;
    });
    let batch: Point[] = [];
    const both = cpuMicros(() => {
      for (const [topic, payload] of payloads) {
        for (const record of decodeMessage(topic, payload, NOW_MS).records) batch.push(...record.points);
        if (batch.length >= WRITE_POINTS) {
          sink += encoder.encode(batch).length;
          batch = [];
        }
      }
      if (batch.length > 0) sink += encoder.encode(batch).length;
    });
    if (decoded !== messages * readingsPerMessage)
      throw new Error(`decoded ${decoded} records from ${messages * readingsPerMessage} readings`);
    const encode = both - decode;
    const readings = messages * readingsPerMessage;
    if (round > 0)
      rounds.push({ parse: parse / readings, decode: decode / readings, encode: encode / readings });
  }
  if (sink < 0) console.log(sink);
  const parse = median(rounds.map((r) => r.parse));
  const decode = median(rounds.map((r) => r.decode));
  const encode = median(rounds.map((r) => r.encode));
  const total = median(rounds.map((r) => r.decode + r.encode));
  return {
    'readings per message': readingsPerMessage,
    'JSON.parse alone µs/reading': Number(parse.toFixed(2)),
    'decodeMessage µs/reading': Number(decode.toFixed(2)),
    'line protocol µs/reading (the difference)': Number(encode.toFixed(2)),
    'decode + line protocol': Number(total.toFixed(2)),
    'rounds (decode + line protocol)': rounds.map((r) => (r.decode + r.encode).toFixed(2)).join(', '),
  };
}

console.log(`${RUNS} rounds of ${MESSAGES.toLocaleString('en')} readings after a warm-up round; medians`);
console.table([measure(1), measure(100)]);
