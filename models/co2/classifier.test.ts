import { beforeAll, describe, expect, it } from 'vitest';
import { loadTf } from '../energy/tf-runtime.js';
import { TextClassifier, trainClassifier, type ClassifierArtifacts } from './classifier.js';
import { CORPUS_CATEGORIES, CORPUS_VERSION, buildCorpus } from './corpus.js';
import { FEATURE_DIMS, textFeatures } from './text-features.js';

describe('invoice line classifier (TensorFlow.js)', () => {
  const { train, test } = buildCorpus();
  let artifacts: ClassifierArtifacts;
  let classifier: TextClassifier;

  // Half the shipped network (hidden 16, 5 epochs): what these tests check holds, and it trains in a third of the
  // time, so the suite passes on a busy 2-core machine.
  beforeAll(async () => {
    artifacts = await trainClassifier(
      train,
      CORPUS_CATEGORIES,
      { corpusVersion: CORPUS_VERSION, corrections: 0 },
      test,
      { epochs: 5, hidden: 16 },
    );
    classifier = new TextClassifier(artifacts);
  }, 180_000);

  it('splits the corpus by term, so no held-out wording is seen in training', () => {
    const trainTexts = new Set(train.map((e) => e.description.toLowerCase()));
    expect(test.length).toBeGreaterThan(200);
    expect(test.filter((e) => trainTexts.has(e.description.toLowerCase())).length / test.length).toBeLessThan(
      0.02,
    );
    expect(new Set(test.map((e) => e.category)).size).toBeGreaterThan(15);
  });

  it('reports held-out accuracy far above chance, and is mostly right when confident', () => {
    const e = artifacts.manifest.evaluation!;
    expect(e.examples).toBe(test.length);
    expect(e.accuracy).toBeGreaterThan(0.45); // chance is 1/24
    expect(e.confidentAccuracy).toBeGreaterThan(0.8);
    const confusionTotal = Object.values(e.confusion).reduce(
      (s, row) => s + Object.values(row).reduce((a, b) => a + b, 0),
      0,
    );
    expect(confusionTotal).toBe(test.length);
  });

  it('reads Danish and English invoice wording, with the supplier and unit as hints', () => {
    expect(
      classifier.classify({ description: 'Elforbrug marts, Rådhuset', supplier: 'Nordisk Energi A/S' })
        .category,
    ).toBe('electricity');
    expect(
      classifier.classify({
        description: 'Diesel refuelling, depot',
        supplier: 'Q8 Danmark',
        unitCode: 'LTR',
      }).category,
    ).toBe('diesel');
    expect(classifier.classify({ description: 'Fjernvarme januar, Skolen', supplier: '' }).category).toBe(
      'district_heating',
    );
  });

  it('infers on the sparse features exactly as the TensorFlow.js model predicts', async () => {
    const { tf } = await loadTf();
    const { dims, hidden, labels } = artifacts.manifest;
    const model = tf.sequential();
    model.add(tf.layers.dense({ inputShape: [dims], units: hidden, activation: 'relu' }));
    model.add(tf.layers.dense({ units: labels.length, activation: 'softmax' }));
    const w = artifacts.weights;
    const sizes = [[dims, hidden], [hidden], [hidden, labels.length], [labels.length]];
    let at = 0;
    model.setWeights(
      sizes.map((shape) => {
        const n = shape.reduce((a, b) => a * b, 1);
        return tf.tensor(w.slice(at, (at += n)), shape);
      }),
    );
    const samples = test.slice(0, 20);
    const dense = new Float32Array(samples.length * FEATURE_DIMS);
    samples.forEach((s, row) => {
      const f = textFeatures(s);
      for (const i of f) dense[row * FEATURE_DIMS + i] = 1 / Math.sqrt(f.length);
    });
    const predicted = (
      model.predict(tf.tensor2d(dense, [samples.length, FEATURE_DIMS])) as { arraySync(): number[][] }
    ).arraySync();
    samples.forEach((s, row) => {
      const sparse = classifier.probabilities(s);
      predicted[row]!.forEach((p, c) => expect(sparse[c]).toBeCloseTo(p, 5));
    });
    model.dispose();
  });

  it('trains deterministically: the same input gives the same version, another seed another', async () => {
    const small = train.filter((_, i) => i % 8 === 0);
    const meta = { corpusVersion: CORPUS_VERSION, corrections: 0 };
    const a = await trainClassifier(small, CORPUS_CATEGORIES, meta, [], { epochs: 2 });
    const b = await trainClassifier(small, CORPUS_CATEGORIES, meta, [], { epochs: 2 });
    const c = await trainClassifier(small, CORPUS_CATEGORIES, meta, [], { epochs: 2, seed: 99 });
    expect(a.manifest.version).toBe(b.manifest.version);
    expect(c.manifest.version).not.toBe(a.manifest.version);
  });
});
