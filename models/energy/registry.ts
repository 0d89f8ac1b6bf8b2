import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BacktestReport } from './backtest.js';
import type { GateDecision } from './gate.js';
import type { ForecasterArtifacts } from './neural-forecaster.js';
import { parseReferences, type ServingReferences } from './references.js';

/** What is known about one trained version: the model card. */
export interface ModelCard {
  version: number;
  tenant: string;
  createdAt: string;
  /** Data the model was trained on (and the backtest period after it). */
  trainingFrom: string;
  trainingUntil: string;
  backtestUntil: string;
  backend: string;
  meters: string[];
  backtest: Omit<BacktestReport, 'meters'> & {
    meters: Pick<
      BacktestReport['meters'][number],
      | 'meter'
      | 'days'
      | 'accuracy'
      | 'neuralMeetsG14'
      | 'chosen'
      | 'recentCvRmsePct'
      | 'linearIntervalScale'
      | 'servedErrorSplit'
      | 'levelShifts'
    >[];
  };
  gate: GateDecision;
  /**
   * The end of the data the stored linear reference and TOWT of every meter (references.json) were fitted on;
   * absent on versions from before they were stored, which refit them at each forecast.
   */
  referencesFittedUntil?: string;
  /** Where live forecasts take tomorrow's temperatures from: a provider's source, or 'none' (last week's). */
  weatherForecast?: string;
  /** Limits users should know (EU AI Act transparency). */
  limitations: string[];
}

/**
 * Trained versions of a tenant's energy model under `{root}/{tenant}/v{N}/` (card.json, model.json, weights.bin,
 * references.json: each meter's closed-form models) and which one is live (`live.json`). Files are written to a temporary name and renamed, so a reader never sees
 * half a version.
 */
export class FileModelRegistry {
  constructor(private readonly root: string) {}

  versions(tenant: string): ModelCard[] {
    const dir = join(this.root, tenant);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((d) => /^v\d+$/.test(d))
      .map((d) => JSON.parse(readFileSync(join(dir, d, 'card.json'), 'utf8')) as ModelCard)
      .sort((a, b) => a.version - b.version);
  }

  /**
   * Stores a version; makes it live when the gate let the neural model through (or `makeLive` says so). With
   * `references`, the card records when they were fitted.
   */
  save(
    card: Omit<ModelCard, 'version'>,
    artifacts: ForecasterArtifacts,
    makeLive = card.gate.neuralPassed,
    references?: ServingReferences,
  ): ModelCard {
    const dir = join(this.root, card.tenant);
    mkdirSync(dir, { recursive: true });
    const version = (this.versions(card.tenant).at(-1)?.version ?? 0) + 1;
    // A card copied from another version does not carry that version's stored fits.
    const rest = { ...card };
    delete rest.referencesFittedUntil;
    const full: ModelCard = {
      ...rest,
      version,
      ...(references ? { referencesFittedUntil: references.fittedUntil } : {}),
    };
    const tmp = join(dir, `.v${version}.tmp`);
    mkdirSync(tmp, { recursive: true });
    writeFileSync(join(tmp, 'model.json'), JSON.stringify(artifacts.manifest));
    writeFileSync(join(tmp, 'weights.bin'), artifacts.weights);
    if (references) writeFileSync(join(tmp, 'references.json'), JSON.stringify(references));
    writeFileSync(join(tmp, 'card.json'), JSON.stringify(full, null, 2));
    renameSync(tmp, join(dir, `v${version}`));
    if (makeLive) this.setLive(card.tenant, version);
    return full;
  }

  setLive(tenant: string, version: number): void {
    const file = join(this.root, tenant, 'live.json');
    writeFileSync(`${file}.tmp`, JSON.stringify({ version }));
    renameSync(`${file}.tmp`, file);
  }

  /** The live version's card, or the newest card when none is live (its gate says what is served instead). */
  current(tenant: string): { card: ModelCard; live: boolean } | undefined {
    const file = join(this.root, tenant, 'live.json');
    const versions = this.versions(tenant);
    if (existsSync(file)) {
      const { version } = JSON.parse(readFileSync(file, 'utf8')) as { version: number };
      const card = versions.find((v) => v.version === version);
      if (card) return { card, live: true };
    }
    const newest = versions.at(-1);
    return newest ? { card: newest, live: false } : undefined;
  }

  artifacts(tenant: string, version: number): ForecasterArtifacts {
    const dir = join(this.root, tenant, `v${version}`);
    return {
      manifest: JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as ForecasterArtifacts['manifest'],
      weights: readFileSync(join(dir, 'weights.bin')),
    };
  }

  /** A version's stored closed-form models, or undefined for a version from before they were stored. */
  references(tenant: string, version: number): ServingReferences | undefined {
    const file = join(this.root, tenant, `v${version}`, 'references.json');
    return existsSync(file) ? parseReferences(readFileSync(file, 'utf8')) : undefined;
  }
}
