/**
 * The benchmark's publisher, in its own process so that its CPU is its own and the bench's store polling cannot
 * slow it: mqtt.js, QoS 1, one connection, at most MAX_IN_FLIGHT messages awaiting their PUBACK. The same
 * publisher drives greenops and Node-RED. Settings come as JSON in BENCH_PUBLISH; the result is one JSON line.
 */
import mqtt from 'mqtt';

export interface PublishSettings {
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  /** Messages per second offered. */
  rate: number;
  seconds: number;
  /** Readings per message: 1, or an array of this many. */
  readings: number;
  tenant: string;
  /** First reading number: every reading is its own point (meter × minute), so runs never overwrite. */
  firstReading: number;
}

export interface PublishResult {
  sent: number;
  /** Epoch ms (sub-ms precision) of the first and last send. */
  firstSendMs: number;
  lastSendMs: number;
  /** When the last PUBACK came back. */
  lastAckMs: number;
  /** Messages per second between the first and the last send. */
  achieved: number;
  /** The publisher's own CPU seconds from the first send to the last PUBACK. */
  cpuSeconds: number;
  /** Send times (epoch ms) of every `sampleEvery`-th message, for latency. */
  sampleEvery: number;
  sendTimes: number[];
}

const MAX_IN_FLIGHT = 10_000;
const now = () => performance.timeOrigin + performance.now();

/** An energy interval reading, each on its own point (meter × minute), like a city's meters. */
/** Reading n's time: 1,000 readings (one per meter) per minute from 2026-01-01. */
export function readingTimeMs(n: number): number {
  return Date.UTC(2026, 0, 1) + Math.floor(n / 1000) * 60_000;
}

/** Every how many messages a send time is kept for latency: about 2,000 samples per step. */
export function sampleEvery(messages: number): number {
  return Math.max(1, Math.floor(messages / 2000));
}

export function reading(n: number): Record<string, unknown> {
  return {
    id: `b${n}`,
    ts: new Date(readingTimeMs(n)).toISOString(),
    meterId: `m-${n % 1000}`,
    siteId: `s-${n % 50}`,
    quantity: 'electricity',
    unit: 'kWh',
    kind: 'interval',
    value: 1.5,
    intervalSeconds: 60,
  };
}

async function main(settings: PublishSettings): Promise<PublishResult> {
  const client = await mqtt.connectAsync(settings.url, {
    protocolVersion: 4,
    username: settings.username,
    password: settings.password,
  });
  const total = Math.round(settings.rate * settings.seconds);
  const every = sampleEvery(total);
  const sendTimes: number[] = [];
  let inFlight = 0;
  let next = settings.firstReading;
  let wake: (() => void) | undefined;
  let lastAckMs = 0;
  const acked = () => {
    inFlight -= 1;
    lastAckMs = now();
    if (wake && inFlight < MAX_IN_FLIGHT) {
      const w = wake;
      wake = undefined;
      w();
    }
  };
  const cpuBefore = process.cpuUsage();
  const started = now();
  let firstSendMs = 0;
  let lastSendMs = 0;
  for (let i = 0; i < total; i++) {
    const due = started + (i / settings.rate) * 1000;
    const t = now();
    if (due > t + 2) await new Promise((r) => setTimeout(r, due - t));
    if (inFlight >= MAX_IN_FLIGHT) await new Promise<void>((r) => (wake = r));
    let body: unknown;
    if (settings.readings === 1) body = reading(next++);
    else {
      const list = [];
      for (let r = 0; r < settings.readings; r++) list.push(reading(next++));
      body = list;
    }
    const sentAt = now();
    if (i === 0) firstSendMs = sentAt;
    lastSendMs = sentAt;
    if (i % every === 0) sendTimes.push(sentAt);
    inFlight += 1;
    client.publish(
      `greenops/v1/${settings.tenant}/energy/gw-${i % 100}`,
      Buffer.from(JSON.stringify(body)),
      { qos: 1 },
      acked,
    );
  }
  while (inFlight > 0) await new Promise<void>((r) => (wake = r));
  const cpu = process.cpuUsage(cpuBefore);
  await client.endAsync();
  return {
    sent: total,
    firstSendMs,
    lastSendMs,
    lastAckMs,
    achieved: total / Math.max(0.001, (lastSendMs - firstSendMs) / 1000 + 1 / settings.rate),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    sampleEvery: every,
    sendTimes,
  };
}

if (process.env.BENCH_PUBLISH) {
  const result = await main(JSON.parse(process.env.BENCH_PUBLISH) as PublishSettings);
  console.log(`RESULT ${JSON.stringify(result)}`);
}
