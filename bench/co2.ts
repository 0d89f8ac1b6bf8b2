/**
 * npm run bench:co2 — invoice CO2e throughput (parse + classify + estimate) and classifier quality.
 *
 * Generates deterministic sample e-invoices (Peppol BIS 3, OIOUBL 2.x, OIOUBL 3; held-out corpus wording, UNSPSC
 * on 40 % of lines), trains the classifier on the shipped corpus, then times `estimateInvoiceFiles` (parse every
 * file, classify, estimate, total) over all lines several times and reports medians: lines/s for the whole chain
 * and for parsing alone, µs per line, peak RSS, and the category accuracy of the whole chain against the truth
 * the generator recorded. Then the classifier's held-out accuracy and its most frequent confusions.
 *
 * Then, when BENCH_CO2_REAL names a folder of real UBL invoices (e.g. the shared XRechnung test suite, which is
 * not shipped), the same chain over those files, read again and again for at least 3 s per run (real files are
 * large for their lines: the XRechnung ones embed PDF attachments, 26 kB of XML per line).
 * Last, the held-out check on the invoices composed in five languages (models/co2/held-out-invoices.ts).
 *
 * Options: BENCH_FILES=1000 BENCH_LINES=20 BENCH_RUNS=7 BENCH_CO2_REAL=DIR
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  CORPUS_CATEGORIES,
  heldOutFiles,
  CORPUS_VERSION,
  DEFAULT_FACTOR_TABLE,
  TextClassifier,
  estimateInvoiceFiles,
  readInvoices,
  trainClassifier,
  sampleInvoices,
  trainingSet,
} from '../models/index.js';

const FILES = Number(process.env.BENCH_FILES ?? 1000);
const LINES = Number(process.env.BENCH_LINES ?? 20);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const TARGET = 5000;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const table = DEFAULT_FACTOR_TABLE;
const { files, truth } = sampleInvoices(table, { files: FILES, linesPerFile: LINES, seed: 42 });
const bytes = files.reduce((s, f) => s + f.text.length, 0);
console.log(`${files.length} files, ${truth.size} lines, ${(bytes / 1e6).toFixed(1)} MB of UBL XML`);

const { train, test } = trainingSet([]);
const started = performance.now();
const artifacts = await trainClassifier(
  train,
  CORPUS_CATEGORIES,
  { corpusVersion: CORPUS_VERSION, corrections: 0 },
  test,
);
const classifier = new TextClassifier(artifacts);
console.log(
  `classifier ${artifacts.manifest.version}: trained on ${train.length} lines in ${((performance.now() - started) / 1000).toFixed(1)} s (${artifacts.manifest.backend})`,
);

let peakRss = process.memoryUsage().rss;
const parseRates: number[] = [];
const chainRates: number[] = [];
let last: ReturnType<typeof estimateInvoiceFiles> | undefined;
for (let run = 0; run < RUNS; run++) {
  let t = performance.now();
  const parsed = readInvoices(files);
  parseRates.push(parsed.lines.length / ((performance.now() - t) / 1000));
  t = performance.now();
  last = estimateInvoiceFiles(files, { table, classifier });
  chainRates.push(last.lines.length / ((performance.now() - t) / 1000));
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}
const doc = last as NonNullable<typeof last>;
if (doc.errors.length > 0) throw new Error(`sample invoices did not parse: ${doc.errors[0]?.message}`);
const chain = median(chainRates);
console.log(
  `\nparse + classify + estimate + totals: median ${Math.round(chain).toLocaleString('en')} lines/s over ${RUNS} runs (${(1e6 / chain).toFixed(1)} µs per line; target ≥ ${TARGET.toLocaleString('en')}: ${(chain / TARGET).toFixed(1)}×)`,
);
console.log(`parse alone: median ${Math.round(median(parseRates)).toLocaleString('en')} lines/s`);
console.log(`peak RSS ${(peakRss / 1e6).toFixed(0)} MB`);

let right = 0;
let textRight = 0;
let textLines = 0;
for (const l of doc.lines) {
  const expected = truth.get(`${l.file}#${l.lineId}`);
  if (l.category === expected) right++;
  if (l.classification.by !== 'unspsc') {
    textLines++;
    if (l.category === expected) textRight++;
  }
}
console.log(
  `category accuracy of the chain on the sample: ${((right / doc.lines.length) * 100).toFixed(1)} % (${doc.lines.length - textLines} lines by UNSPSC, ${textLines} by text at ${((textRight / textLines) * 100).toFixed(1)} %); ${doc.totals.reviewLines} flagged for review`,
);
const methods = doc.totals.byMethod;
console.log(
  `methods: ${Object.entries(methods)
    .map(([m, t]) => `${m} ${t.lines} lines, ${(t.kgCo2e / 1000).toFixed(0)} t CO2e`)
    .join('; ')}`,
);

const e = artifacts.manifest.evaluation;
if (e) {
  console.log(
    `\nclassifier on the corpus's held-out terms (wording never seen in training): accuracy ${(e.accuracy * 100).toFixed(1)} % on ${e.examples} lines, macro F1 ${(e.macroF1 * 100).toFixed(1)} %; ${(e.confidentShare * 100).toFixed(0)} % of lines at or above the review threshold, ${(e.confidentAccuracy * 100).toFixed(1)} % of those right`,
  );
  const confusions: [string, string, number][] = [];
  for (const [actual, row] of Object.entries(e.confusion))
    for (const [predicted, n] of Object.entries(row))
      if (predicted !== actual) confusions.push([actual, predicted, n]);
  confusions.sort((a, b) => b[2] - a[2]);
  console.log('most frequent confusions (actual → predicted: lines):');
  for (const [a, p, n] of confusions.slice(0, 10)) console.log(`  ${a} → ${p}: ${n}`);
  console.log('recall by category:');
  console.log('  ' + e.perCategory.map((c) => `${c.category} ${(c.recall * 100).toFixed(0)} %`).join(', '));
}

const realDir = process.env.BENCH_CO2_REAL;
if (realDir) {
  const real = readdirSync(realDir)
    .filter((f) => f.toLowerCase().endsWith('.xml'))
    .sort()
    .map((f) => ({ name: f, text: readFileSync(join(realDir, f), 'utf8') }));
  const once = estimateInvoiceFiles(real, { table, classifier });
  const realRates: number[] = [];
  const realParse: number[] = [];
  let repeat = 0;
  for (let run = 0; run < RUNS; run++) {
    const t = performance.now();
    let lines = 0;
    for (repeat = 0; repeat === 0 || performance.now() - t < 3000; repeat++)
      lines += estimateInvoiceFiles(real, { table, classifier }).lines.length;
    realRates.push(lines / ((performance.now() - t) / 1000));
    const p = performance.now();
    let parsed = 0;
    for (let i = 0; i === 0 || performance.now() - p < 1000; i++) parsed += readInvoices(real).lines.length;
    realParse.push(parsed / ((performance.now() - p) / 1000));
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const bytesReal = real.reduce((s, f) => s + f.text.length, 0);
  const rate = median(realRates);
  console.log(
    `\nreal invoices (${real.length} files, ${once.lines.length} lines, ${(bytesReal / 1e6).toFixed(1)} MB, read ${repeat}× in the last run): parse + classify + estimate + totals median ${Math.round(rate).toLocaleString('en')} lines/s (target ≥ ${TARGET.toLocaleString('en')}: ${(rate / TARGET).toFixed(1)}×), parse alone ${Math.round(median(realParse)).toLocaleString('en')} lines/s; ${once.totals.reviewLines} of ${once.lines.length} lines flagged, ${once.totals.nonEmitting.lines} non-emitting`,
  );
}

const heldOut = heldOutFiles();
const ho = estimateInvoiceFiles(heldOut.files, { table, classifier });
let hoRight = 0;
let hoUnflagged = 0;
let hoUnflaggedRight = 0;
for (const l of ho.lines) {
  const ok = heldOut.truth.get(`${l.file}#${l.lineId}`)?.category === l.category;
  if (ok) hoRight++;
  if (!l.review) {
    hoUnflagged++;
    if (ok) hoUnflaggedRight++;
  }
}
console.log(
  `\nheld-out invoices composed in da/nl/no/sv/en (${ho.lines.length} lines): ${hoRight} right (${((hoRight / ho.lines.length) * 100).toFixed(1)} %); ${hoUnflagged} unflagged, ${hoUnflaggedRight} of them right; peak RSS ${(peakRss / 1e6).toFixed(0)} MB`,
);
