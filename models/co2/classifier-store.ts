import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TextClassifier, type ClassifierArtifacts, type ClassifierManifest } from './classifier.js';

/**
 * The classifier trained on the shipped corpus alone, which every tenant uses until it has one of its own (a
 * retraining with its reviewers' corrections). A new tenant has nothing else to train on, so one training serves
 * them all. Tenant names cannot start with `_`.
 */
export const SHARED_CLASSIFIER = '_corpus';

/**
 * Trained invoice classifiers per tenant under `<dir>/<tenant>/v-<version>/` (manifest.json and weights.bin),
 * with `current.json` naming the one in use. Earlier versions stay, so an account can say which model classified
 * it (EU AI Act record keeping). Writes go to a temporary folder first and are renamed into place.
 */
export class ClassifierStore {
  private readonly cache = new Map<string, TextClassifier>();

  constructor(readonly dir: string) {}

  save(tenant: string, artifacts: ClassifierArtifacts): void {
    const tenantDir = join(this.dir, tenant);
    const target = join(tenantDir, `v-${artifacts.manifest.version}`);
    if (!existsSync(target)) {
      const temporary = `${target}.tmp-${process.pid}`;
      mkdirSync(temporary, { recursive: true });
      writeFileSync(join(temporary, 'manifest.json'), JSON.stringify(artifacts.manifest, null, 2));
      const w = artifacts.weights;
      writeFileSync(join(temporary, 'weights.bin'), Buffer.from(w.buffer, w.byteOffset, w.byteLength));
      renameSync(temporary, target);
    }
    const pointer = join(tenantDir, 'current.json');
    writeFileSync(`${pointer}.tmp`, JSON.stringify({ version: artifacts.manifest.version }));
    renameSync(`${pointer}.tmp`, pointer);
  }

  /** The classifier that applies to the tenant's lines: its own, else the shared one; undefined before either. */
  forTenant(tenant: string): TextClassifier | undefined {
    return this.current(tenant) ?? this.current(SHARED_CLASSIFIER);
  }

  /** The tenant's own classifier in use, or undefined before its first training. */
  current(tenant: string): TextClassifier | undefined {
    const pointer = join(this.dir, tenant, 'current.json');
    if (!existsSync(pointer)) return undefined;
    const { version } = JSON.parse(readFileSync(pointer, 'utf8')) as { version: string };
    return this.load(tenant, version);
  }

  load(tenant: string, version: string): TextClassifier {
    const key = `${tenant}/${version}`;
    let classifier = this.cache.get(key);
    if (!classifier) {
      const dir = join(this.dir, tenant, `v-${version}`);
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as ClassifierManifest;
      const bytes = readFileSync(join(dir, 'weights.bin'));
      const weights = new Float32Array(
        bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      );
      classifier = new TextClassifier({ manifest, weights });
      this.cache.set(key, classifier);
    }
    return classifier;
  }

  /** Manifests of the tenant's versions, newest first. */
  versions(tenant: string): ClassifierManifest[] {
    const tenantDir = join(this.dir, tenant);
    if (!existsSync(tenantDir)) return [];
    return readdirSync(tenantDir)
      .filter((d) => /^v-[0-9a-f]+$/.test(d))
      .map((d) => JSON.parse(readFileSync(join(tenantDir, d, 'manifest.json'), 'utf8')) as ClassifierManifest)
      .sort((a, b) => (a.trainedAt < b.trainedAt ? 1 : -1));
  }
}
