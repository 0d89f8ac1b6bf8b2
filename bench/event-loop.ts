/**
 * npm run bench:event-loop — how long one heavy request holds the API's event loop (issue 18).
 *
 * Starts the real API in this process (port 0, a temporary DuckDB file, in-memory PGlite records) with a year and
 * a half of hourly readings for the meters of one site, then fires each heavy request on its own while a cheap
 * request (`GET /health`) is sent again and again. For each it prints the request's duration, the event-loop
 * delay during it (perf_hooks.monitorEventLoopDelay, 10 ms resolution: max and p99), and how many health answers
 * came back meanwhile and the slowest of them.
 *
 * Options: BENCH_METERS=12 (meters at the site)  BENCH_INVOICE_LINES=50000 (lines in the uploaded CSV)
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { ApiServer } from '../api/index.js';
import { createMemoryLogger, type Point } from '../core/index.js';
import {
  CORPUS_CATEGORIES,
  CORPUS_VERSION,
  ClassifierStore,
  DEFAULT_FACTOR_TABLE,
  INVOICE_MIGRATIONS,
  InvoiceAccounts,
  buildCorpus,
  trainClassifier,
} from '../models/index.js';
import { migrate } from '../store/index.js';
import { openTestAccess } from '../test/harness/access.js';
import { openTempDuckDb } from '../test/harness/temp-duckdb.js';

const METERS = Number(process.env.BENCH_METERS ?? 12);
const INVOICE_LINES = Number(process.env.BENCH_INVOICE_LINES ?? 50_000);
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const TENANT = 'bench';

const db = await openTempDuckDb();
const access = await openTestAccess({ tenant: TENANT });
await migrate(access.records, [INVOICE_MIGRATIONS]);
const key = await access.key('platform-admin');

// Hourly readings with a daily and weekly shape and a seasonal temperature, for 2 years + 8 weeks.
const now = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
const start = now - (730 + 56) * DAY_MS;
let points: Point[] = [];
let written = 0;
for (let m = 0; m < METERS; m++)
  for (let t = start; t < now; t += HOUR_MS) {
    const hour = new Date(t).getUTCHours();
    const weekday = new Date(t).getUTCDay() % 6 !== 0;
    const temp = 8 - 10 * Math.cos((2 * Math.PI * (t / DAY_MS - 15)) / 365);
    const load = 5 + m + (weekday && hour >= 7 && hour < 17 ? 10 : 0) + Math.max(0, 15 - temp) * 0.4;
    points.push({
      measurement: 'energy',
      tags: { tenant: TENANT, device: `meter-${m}`, site: 'hall', quantity: 'electricity' },
      fields: { kwh: load * (0.9 + (0.2 * ((t / HOUR_MS) % 7)) / 7), interval_s: 3600, outdoor_temp_c: temp },
      timeMs: t,
    });
    if (points.length === 20_000) {
      await db.store.write(points);
      written += points.length;
      points = [];
    }
  }
await db.store.write(points);
written += points.length;

const classifiers = new ClassifierStore(join(db.dir, 'models', 'co2'));
const { train, test } = buildCorpus();
classifiers.save(
  TENANT,
  await trainClassifier(train, CORPUS_CATEGORIES, { corpusVersion: CORPUS_VERSION, corrections: 0 }, test, {
    epochs: 2,
    hidden: 16,
  }),
);
const accounts = new InvoiceAccounts({
  records: access.records,
  classifiers,
  table: DEFAULT_FACTOR_TABLE,
  store: db.store,
  logger: createMemoryLogger().logger,
});
const api = new ApiServer({
  store: db.store,
  deadLetters: db.deadLetters,
  logger: createMemoryLogger().logger,
  defaultTenant: TENANT,
  port: 0,
  keys: access.keys,
  audit: access.audit,
  invoiceAccounts: accounts,
});
const base = await api.start();
console.log(`${METERS} meters × ${Math.round((now - start) / DAY_MS)} days hourly (${written} points)`);

const suppliers = ['Kontorhuset ApS', 'Hjulmageren ApS', 'Rengøring A/S', 'Byggemarked K/S'];
const words = ['Printerpapir', 'Vinterhjul', 'Rengøringsmidler', 'Træplader', 'Kaffe', 'Kontorstole'];
const invoiceCsv = () =>
  `supplier,supplier_id,date,description,quantity,unit,amount,currency\n${Array.from(
    { length: INVOICE_LINES },
    (_, i) =>
      `${suppliers[i % 4]},DK1122${3344 + (i % 4)},2026-0${1 + (i % 9)}-1${i % 10},${words[i % 6]} parti ${i},${1 + (i % 40)},EA,${100 + (i % 1000)}.50,DKK`,
  ).join('\n')}\n`;

const iso = (ms: number) => new Date(ms).toISOString();
const scenarios: { name: string; request: () => Promise<Response> }[] = [
  {
    name: `GET /energy/waste, site of ${METERS} meters, 366 days`,
    request: () =>
      fetch(`${base}/api/v1/energy/waste?site=hall&from=-366d&to=now`, {
        headers: { authorization: `Bearer ${key}` },
      }),
  },
  {
    name: `GET /energy/savings, site of ${METERS} meters, 365 + 365 days`,
    request: () =>
      fetch(
        `${base}/api/v1/energy/savings?site=hall&baselineFrom=${iso(now - 730 * DAY_MS)}&baselineTo=${iso(now - 365 * DAY_MS)}&reportFrom=${iso(now - 365 * DAY_MS)}&reportTo=${iso(now)}`,
        { headers: { authorization: `Bearer ${key}` } },
      ),
  },
  {
    name: `POST /invoices, CSV of ${INVOICE_LINES} lines`,
    request: () =>
      fetch(`${base}/api/v1/invoices?filename=bench.csv`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' },
        body: invoiceCsv(),
      }),
  },
];

const ms = (ns: number) => (ns / 1e6).toFixed(0);
for (const { name, request } of scenarios) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  let pending = true;
  let healthAnswers = 0;
  let slowestHealth = 0;
  let healthErrors = 0;
  delay.enable();
  const t0 = performance.now();
  const heavy = request().then(async (res) => {
    const body = await res.text();
    pending = false;
    return { status: res.status, body };
  });
  while (pending) {
    const h0 = performance.now();
    // A connection the server closed while its loop was held (keep-alive timeout) resets: count it, go on.
    const ok = await fetch(`${base}/health/live`)
      .then((res) => res.text())
      .then(
        () => true,
        () => false,
      );
    if (!pending) break;
    if (!ok) healthErrors++;
    healthAnswers++;
    slowestHealth = Math.max(slowestHealth, performance.now() - h0);
  }
  const { status, body } = await heavy;
  const took = performance.now() - t0;
  delay.disable();
  console.log(
    `${name}: HTTP ${status} in ${took.toFixed(0)} ms; event-loop delay max ${ms(delay.max)} ms, p99 ${ms(delay.percentile(99))} ms; ` +
      `${healthAnswers} health answers meanwhile, slowest ${slowestHealth.toFixed(0)} ms` +
      (healthErrors ? `, ${healthErrors} reset` : ''),
  );
  if (status >= 400) console.log(`  ${body.slice(0, 300)}`);
}

await accounts.stop();
await api.stop();
await access.close();
await db.close();
db.remove();
