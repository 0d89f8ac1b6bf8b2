/**
 * One step: a fresh system process, a 2 s warm-up at the step's rate, then `seconds` of QoS 1 messages at that
 * offered rate from the publisher process, with the stored points counted in the store. A step is kept up when the
 * publisher offered ≥ 99 % of the rate and every point was stored within 1 s of the last send (so the stored rate
 * over the step is ≥ 99 % of the offered rate and the drain ≤ 1 s).
 */
import { randomBytes } from 'node:crypto';
import { readingTimeMs, sampleEvery, type PublishResult, type PublishSettings } from './publisher.js';
import { cpuSeconds, peakRssMb, percentile, run, sleep } from './processes.js';
import { createInfluxDatabase, dropInfluxDatabase } from './store-count.js';
import type { BenchEnvironment, BenchSystem, Instance } from './systems.js';

export const DRAIN_LIMIT_MS = 1_000;
const WARM_UP_SECONDS = 2;
const POLL_MS = 50;
/** Between the windowed counts that time the latency samples (each asks for a few thousand points, not all). */
const LATENCY_POLL_MS = 20;
/**
 * Readings are timed 1,000 a minute from reading 0 at 2026-01-01T00:00Z, a Thursday and so the start of an InfluxDB
 * 7-day shard. The warm-up's come first (from minute 0), the step's from minute 1,000 on, in the same week: the warm-up
 * creates the shard and its series, as a running store has them, so the step does not time a new shard and its
 * 1,000 series being created, and every series is written in time order, as meters write.
 */
const STEP_FIRST_READING = 1_000_000;
const WEEK_READINGS = 10_080_000;

export interface StepResult {
  system: string;
  rate: number;
  readings: number;
  seconds: number;
  achieved: number;
  /** Points stored by 1 s after the last send, per second of publishing. */
  storedRate: number;
  /** From the last send until every point was in the store; Infinity when it never was (within 10 s). */
  drainMs: number;
  keptUp: boolean;
  /** The system's CPU from the start of the step to the end of the drain, per message. */
  cpuMicrosPerMsg: number;
  peakRssMb: number;
  /** CPU share (of one core) over the step: the publisher's, the broker's, influxd's. */
  publisherCpu: number;
  brokerCpu: number;
  influxCpu: number;
  latenciesMs: number[];
  /** How latency was seen: in the store, or (DuckDB) the system's own counter. */
  latencySource: 'store' | 'own counter' | 'none';
}

async function publish(settings: PublishSettings): Promise<PublishResult> {
  const p = run(process.execPath, ['--import', 'tsx', 'bench/ingest/publisher.ts'], {
    BENCH_PUBLISH: JSON.stringify(settings),
  });
  const code = await p.exited;
  const line = /RESULT (.*)/.exec(p.output())?.[1];
  if (code !== 0 || !line) throw new Error(`publisher failed (${code}):\n${p.output().slice(-3000)}`);
  return JSON.parse(line) as PublishResult;
}

async function countNow(instance: Instance): Promise<number | undefined> {
  if (instance.liveCount) return instance.liveCount();
  return instance.ownCounter?.();
}

export async function runStep(
  system: BenchSystem,
  env: BenchEnvironment,
  rate: number,
  { readings = 1, seconds = 10, latency = false } = {},
): Promise<StepResult> {
  if (Math.round(rate * WARM_UP_SECONDS) * readings > STEP_FIRST_READING)
    throw new Error(`a warm-up of ${rate} msg/s × ${readings} readings reaches the step's readings`);
  if (STEP_FIRST_READING + Math.round(rate * seconds) * readings > WEEK_READINGS)
    throw new Error(`a step of ${rate} msg/s × ${readings} readings × ${seconds} s does not fit in one week`);
  const tenant = `bench-${randomBytes(4).toString('hex')}`;
  const database = `bench_${tenant.slice(6)}`;
  if (system.store === 'influx') await createInfluxDatabase(env.influxUrl, database);
  const instance = await system.start(env, { tenant, database });
  try {
    const publishTo = instance.ownBroker
      ? { url: instance.brokerUrl, tenant }
      : { url: instance.brokerUrl, username: env.username, password: env.password, tenant };
    const brokerPid = () => (instance.ownBroker ? undefined : env.brokerPid());
    // Warm-up in the fresh process (JIT, connections, batches) at the step's own rate, then wait until it is
    // stored. (At 1,000 readings/s instead, the first 0.5 s of a step at 15,000 msg/s built a queue of up to
    // ~250 ms that drained within 0.7 s: the p99 of a steady rate was the ramp's.)
    const warm = Math.round(rate * WARM_UP_SECONDS) * readings;
    await publish({
      ...publishTo,
      rate,
      seconds: WARM_UP_SECONDS,
      readings,
      firstReading: 0,
    });
    const warmDeadline = Date.now() + 15_000;
    if (!instance.liveCount && !instance.ownCounter) await sleep(2_000);
    while (((await countNow(instance)) ?? warm) < warm && Date.now() < warmDeadline) await sleep(POLL_MS);
    const base = instance.liveCount ? await instance.liveCount() : 0;

    const expected = Math.round(rate * seconds) * readings;
    const cpuBefore = cpuSeconds(instance.pid);
    const brokerBefore = cpuSeconds(brokerPid());
    const influxBefore = cpuSeconds(env.influxPid());
    const started = performance.timeOrigin + performance.now();
    let result: PublishResult | undefined;
    let publishError: unknown;
    const publishing = publish({
      ...publishTo,
      rate,
      seconds,
      readings,
      firstReading: STEP_FIRST_READING,
    }).then(
      (r) => (result = r),
      (err: unknown) => (publishError = err),
    );
    // Stored points over time: all the step for latency, else from the expected end (the drain).
    const samples: { t: number; n: number }[] = [];
    let reachedAt = Infinity;
    let cpuAtDrain = NaN;
    const counted = instance.liveCount ?? (latency ? instance.ownCounter : undefined);
    // Latency from InfluxDB: each sampled message is timed by the first count that finished and includes it, as
    // with the full count below, but the count covers only the points from the minute of the oldest message not
    // yet seen (a few thousand points, where a full count scans the whole step's and took 38–80 ms of influxd's
    // CPU each): polled every 20 ms, a sample is seen ≤ ~25 ms after it is queryable instead of ≤ ~100 ms.
    const messages = Math.round(rate * seconds);
    const every = sampleEvery(messages);
    const sampleCount = Math.ceil(messages / every);
    const seenAt: number[] = [];
    const liveCount = instance.liveCount;
    if (latency && system.store === 'influx' && liveCount) {
      const toMs = readingTimeMs(WEEK_READINGS);
      // Readings from the step's first up to the last of sample k's message.
      const through = (k: number) => STEP_FIRST_READING + (k * every + 1) * readings;
      while (seenAt.length < sampleCount && !publishError) {
        const first = STEP_FIRST_READING + seenAt.length * every * readings;
        const fromReading = first - (first % 1000);
        const n = await liveCount({ fromMs: readingTimeMs(fromReading), toMs });
        const t = performance.timeOrigin + performance.now();
        // As the full count assumes, points are stored in the order sent: a sample's message is stored once the
        // window holds as many points as there are readings from the window's first to the message's last.
        while (seenAt.length < sampleCount && n >= through(seenAt.length) - fromReading) seenAt.push(t);
        if (result && t > result.lastSendMs + 10_000) break;
        await sleep(LATENCY_POLL_MS);
      }
    }
    if (counted) {
      if (!latency) await sleep(seconds * 1000 - 500);
      for (;;) {
        const n = (await counted()) - base;
        const t = performance.timeOrigin + performance.now();
        samples.push({ t, n });
        if (n >= expected) {
          reachedAt = t;
          cpuAtDrain = cpuSeconds(instance.pid);
          break;
        }
        if (publishError) break;
        if (result && t > result.lastSendMs + 10_000) break;
        await sleep(POLL_MS);
      }
    }
    await publishing;
    if (publishError || !result) throw publishError;
    const ended = performance.timeOrigin + performance.now();
    const wall = (ended - started) / 1000;
    const brokerCpu = (cpuSeconds(brokerPid()) - brokerBefore) / wall;
    const influxCpu = (cpuSeconds(env.influxPid()) - influxBefore) / wall;
    const rss = peakRssMb(instance.pid);
    // The stored count at the deadline, from the store (the received count for a subscriber that stores nothing): stop the system 1 s after the last send (SIGKILL, so it
    // writes nothing after) unless the store already held everything; DuckDB is only counted that way.
    let storedByDeadline: number;
    if (reachedAt <= result.lastSendMs + DRAIN_LIMIT_MS && system.store !== 'duckdb') {
      storedByDeadline = expected;
    } else if (system.store !== 'duckdb') {
      storedByDeadline = samples.filter((s) => s.t <= result!.lastSendMs + DRAIN_LIMIT_MS).pop()?.n ?? 0;
    } else {
      const wait = result.lastSendMs + DRAIN_LIMIT_MS - (performance.timeOrigin + performance.now());
      if (wait > 0) await sleep(wait);
      cpuAtDrain = cpuSeconds(instance.pid);
      storedByDeadline = (await instance.killAndCount()) - base;
      reachedAt = storedByDeadline >= expected ? result.lastSendMs + DRAIN_LIMIT_MS : Infinity;
    }
    if (!Number.isFinite(cpuAtDrain)) cpuAtDrain = cpuSeconds(instance.pid);
    const drainMs = Math.max(0, reachedAt - result.lastSendMs);
    const latenciesMs: number[] = [];
    if (latency && seenAt.length > 0) {
      result.sendTimes.forEach((sentAt, k) => {
        const t = seenAt[k];
        if (t !== undefined) latenciesMs.push(t - sentAt);
      });
    } else if (latency) {
      let s = 0;
      result.sendTimes.forEach((sentAt, k) => {
        const need = (k * result!.sampleEvery + 1) * readings;
        while (s < samples.length && (samples[s] as { n: number }).n < need) s++;
        if (s < samples.length) latenciesMs.push((samples[s] as { t: number }).t - sentAt);
      });
    }
    const publishSeconds = (result.lastSendMs - result.firstSendMs) / 1000 + 1 / rate;
    return {
      system: system.name,
      rate,
      readings,
      seconds,
      achieved: result.achieved,
      storedRate: storedByDeadline / readings / publishSeconds,
      drainMs,
      keptUp: result.achieved >= rate * 0.99 && storedByDeadline >= expected && drainMs <= DRAIN_LIMIT_MS,
      cpuMicrosPerMsg: ((cpuAtDrain - cpuBefore) / (expected / readings)) * 1e6,
      peakRssMb: rss,
      publisherCpu: result.cpuSeconds / ((result.lastAckMs - result.firstSendMs) / 1000),
      brokerCpu,
      influxCpu,
      latenciesMs,
      latencySource: !latency ? 'none' : instance.liveCount ? 'store' : 'own counter',
    };
  } finally {
    await instance.stop();
    if (system.store === 'influx') await dropInfluxDatabase(env.influxUrl, database);
  }
}

export function describeStep(s: StepResult): string {
  const per = s.readings === 1 ? 'msg/s' : `msg/s × ${s.readings} readings`;
  const lat = s.latenciesMs.length
    ? `, p50/p99 ${Math.round(percentile(s.latenciesMs, 50))}/${Math.round(percentile(s.latenciesMs, 99))} ms (${s.latencySource})`
    : '';
  const drain = Number.isFinite(s.drainMs) ? `${Math.round(s.drainMs)} ms` : '> 10 s';
  return (
    `  ${s.system} ${s.rate} ${per}: sent ${Math.round(s.achieved)}/s, stored ${Math.round(s.storedRate)}/s, ` +
    `drain ${drain} → ${s.keptUp ? 'KEPT UP' : 'fell behind'}; ${s.cpuMicrosPerMsg.toFixed(1)} µs CPU/msg, ` +
    `RSS ${Math.round(s.peakRssMb)} MB; publisher ${pct(s.publisherCpu)}, broker ${pct(s.brokerCpu)}, ` +
    `influxd ${pct(s.influxCpu)} of a core${lat}`
  );
}

const pct = (x: number) => (Number.isFinite(x) ? `${Math.round(x * 100)} %` : '–');
