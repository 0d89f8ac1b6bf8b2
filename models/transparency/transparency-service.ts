import { GreenopsError, STREAM_NAMES, type RetentionRule } from '../../core/index.js';
import type { PersonalDataStore, TimeSeriesStore } from '../../store/index.js';
import type { ClassifierManifest } from '../co2/classifier.js';
import type { Correction } from '../co2/ledger.js';
import type { ModelCard as EnergyVersion } from '../energy/registry.js';
import {
  energyForecasterCard,
  energySeasonalNaiveCard,
  energyTowtCard,
  type CardBody,
} from './cards/energy.js';
import { invoiceClassifierCard } from './cards/invoices.js';
import { roadDetectorCard, type RoadClassPrecision } from './cards/road.js';
import { trafficAadtCard } from './cards/traffic.js';
import { fleetPlannerCard } from './cards/fleet.js';
import type { FootprintLog, TrainingFootprint } from './footprint-log.js';
import { NO_VERSION, type FootprintSummary, type ModelCard, type OversightSummary } from './model-card.js';
import type { OversightCounts, OversightDecision, OversightLog } from './oversight-log.js';
import type { ExportContext } from './register-exports.js';

export const MODEL_IDS = [
  'energy-forecaster',
  'energy-towt',
  'energy-seasonal-naive',
  'invoice-classifier',
  'traffic-aadt',
  'road-damage-detector',
  'fleet-planner',
] as const;
export type ModelId = (typeof MODEL_IDS)[number];

export function isModelId(text: string): text is ModelId {
  return (MODEL_IDS as readonly string[]).includes(text);
}

/** The energy model registry as the cards read it. */
export interface EnergyModelSource {
  current(tenant: string): { card: EnergyVersion; live: boolean } | undefined;
  versions(tenant: string): EnergyVersion[];
}

/** The invoice accounts as the cards read them (InvoiceAccounts fits). */
export interface InvoiceModelSource {
  currentClassifier(tenant: string): { artifacts: { manifest: ClassifierManifest } } | undefined;
  ledger(tenant: string): {
    lines(): Promise<readonly unknown[]>;
    corrections(): Promise<readonly Correction[]>;
  };
}

export interface TransparencyOptions {
  energyModels?: EnergyModelSource | undefined;
  invoices?: InvoiceModelSource | undefined;
  store?: TimeSeriesStore | undefined;
  oversight?: OversightLog | undefined;
  footprint?: FootprintLog | undefined;
  /** The grid factor (kg CO₂e/kWh) and where it comes from, for the footprint. */
  grid: { kgPerKwh: number; source: string };
  /** GREENOPS_ORGANISATION; unset, the tenant names itself, on the page and in every export alike. */
  organisation: string | undefined;
  /**
   * The tenant GREENOPS_ORGANISATION names (GREENOPS_TENANT); other tenants of a shared platform are named by their
   * id. Undefined: the organisation names every tenant (a single-tenant process).
   */
  organisationTenant?: string | undefined;
  /** GREENOPS_TRANSPARENCY_CONTACT, validated at start-up: an e-mail address or a URL. */
  contact: string | undefined;
  /** GREENOPS_DEPARTMENT: the department responsible, in register exports. */
  department?: string | undefined;
  /** GREENOPS_PUBLIC_URL: the base of absolute links in register exports. */
  publicUrl?: string | undefined;
  /** Detections by id, to record the detector version a reviewed detection carried. */
  personal?: PersonalDataStore | undefined;
  retention: readonly RetentionRule[];
  /** The road detector's precision per damage class and version from the defect reviews (issue 14). */
  roadPrecision?: ((tenant: string) => Promise<RoadClassPrecision[]>) | undefined;
}

export interface OversightPage {
  model: ModelId;
  summary: OversightSummary;
  decisions: OversightDecision[];
  /** Kept by another workflow (the invoice ledger); `null` when the decisions are in the oversight table. */
  source: string;
}

const FOOTPRINT_METHOD =
  'CodeCarbon’s: process CPU time × (RAPL package energy ÷ machine CPU time where readable, else the CPU TDP per core) + 0.375 W per GB resident, × the grid factor';

/**
 * Builds every model's card for a tenant from the models' own state (trained versions, manifests), the oversight
 * records and the measured footprint; the register exports and the citizen page are generated from these cards.
 */
const DAY_MS = 86_400_000;

export class TransparencyService {
  constructor(private readonly options: TransparencyOptions) {}

  /** The one organisation default: GREENOPS_ORGANISATION, else the tenant. */
  organisationFor(tenant: string): string {
    return (this.organisationNames(tenant) ? this.options.organisation : undefined) ?? tenant;
  }

  /** Whether GREENOPS_ORGANISATION is the name of this tenant (it names GREENOPS_TENANT only). */
  private organisationNames(tenant: string): boolean {
    const owner = this.options.organisationTenant;
    return this.options.organisation !== undefined && (owner === undefined || owner === tenant);
  }

  /**
   * Whether greenops knows the tenant: the configured one (GREENOPS_TENANT), or one with stored stream data, a
   * trained energy model or invoice lines. The public page answers 404 for any other.
   */
  async knowsTenant(tenant: string, configured: string): Promise<boolean> {
    if (tenant === configured) return true;
    if ((this.options.energyModels?.versions(tenant).length ?? 0) > 0) return true;
    const store = this.options.store;
    if (store)
      for (const stream of STREAM_NAMES) if ((await store.listTenants(stream)).includes(tenant)) return true;
    // Invoice lines last: a tenant without a classifier of its own is served the shared one, which says nothing.
    return ((await this.options.invoices?.ledger(tenant).lines())?.length ?? 0) > 0;
  }

  get contact(): string | undefined {
    return this.options.contact;
  }

  /** What a register export is filled with besides the cards; its warnings say what is not configured. */
  exportContext(tenant: string, generatedAt: string): ExportContext {
    return {
      tenant,
      organisation: this.organisationFor(tenant),
      organisationConfigured: this.organisationNames(tenant),
      department: this.options.department,
      contact: this.options.contact,
      publicUrl: this.options.publicUrl,
      generatedAt,
    };
  }

  /**
   * Checks that a decision names an output the tenant really has, and returns the model version to record: an
   * energy version that was trained (`v3`), a stored road detection (its `detection_id`), a traffic counter and year
   * (`counter/year`) with stored counts, a fleet vehicle with stored samples or trips (`vehicle` or
   * `vehicle/anything`). The seasonal rule has no outputs a person decides on. Throws 404 naming `outputId` for an
   * unknown output, 422 naming `version` for a version the output did not come from, 422 naming `id` for a model
   * without decidable outputs.
   */
  async decisionVersion(
    tenant: string,
    id: ModelId,
    outputId: string,
    version: string | undefined,
  ): Promise<string | undefined> {
    const unknownOutput = (what: string) =>
      new GreenopsError('NOT_FOUND', `outputId: ${tenant} has no ${what} "${outputId}"`, {
        field: 'outputId',
      });
    const wrongVersion = (expected: string) =>
      new GreenopsError(
        'BAD_REQUEST',
        `version: "${version}" is not the version of output "${outputId}" (it is ${expected})`,
        { status: 422, field: 'version' },
      );
    const store = this.options.store;
    switch (id) {
      case 'energy-seasonal-naive':
      case 'invoice-classifier':
        throw new GreenopsError(
          'BAD_REQUEST',
          id === 'energy-seasonal-naive'
            ? 'id: the seasonal rule is a fixed benchmark with no outputs of its own to decide on; record the decision on energy-forecaster'
            : 'id: invoice lines are corrected with PATCH /api/v1/invoices/lines/{id}, which records the decision',
          { status: 422, field: 'id' },
        );
      case 'energy-forecaster':
      case 'energy-towt': {
        const versions = (this.options.energyModels?.versions(tenant) ?? []).map((v) => `v${v.version}`);
        const named = /^v?\d+$/.test(outputId) ? `v${outputId.replace(/^v/, '')}` : outputId;
        if (!versions.includes(named)) throw unknownOutput('trained energy model version');
        if (version !== undefined && version !== named) throw wrongVersion(named);
        return named;
      }
      case 'road-damage-detector': {
        const [point] = this.options.personal
          ? await this.options.personal.pointsWithField(
              { measurement: 'road', tenant, field: 'detection_id', value: outputId },
              { limit: 1 },
            )
          : [];
        if (!point) throw unknownOutput('stored road detection');
        const stored = point.fields.model_version;
        const carried = typeof stored === 'string' && stored !== '' ? stored : undefined;
        if (version !== undefined && carried !== undefined && version !== carried)
          throw wrongVersion(carried);
        return version ?? carried;
      }
      case 'traffic-aadt': {
        const [counter, year, ...rest] = outputId.split('/');
        const device =
          store && counter
            ? (await store.listDevices('traffic', tenant)).find((d) => d.device === counter)
            : undefined;
        if (
          !device ||
          rest.length > 0 ||
          !/^\d{4}$/.test(year ?? '') ||
          Number(year) > new Date(device.lastSeenMs).getUTCFullYear()
        )
          throw unknownOutput('traffic counter and year (counter/year)');
        const method = trafficAadtCard(tenant).version;
        if (version !== undefined && version !== method) throw wrongVersion(method);
        return method;
      }
      case 'fleet-planner': {
        const vehicle = outputId.split('/')[0] ?? '';
        let found = false;
        for (const measurement of ['fleet', 'fleet_trip'])
          if (!found && store)
            found = (await store.listDevices(measurement, tenant)).some((d) => d.device === vehicle);
        if (!found) throw unknownOutput('fleet vehicle');
        const method = fleetPlannerCard(tenant).version;
        if (version !== undefined && version !== method) throw wrongVersion(method);
        return method;
      }
    }
  }

  get retention(): readonly RetentionRule[] {
    return this.options.retention;
  }

  /** The version a model's outputs for the tenant come from now (for labelling responses). */
  version(tenant: string, id: ModelId): string {
    switch (id) {
      case 'energy-forecaster':
      case 'energy-towt': {
        const current = this.options.energyModels?.current(tenant);
        return current ? `v${current.card.version}` : id === 'energy-towt' ? 'method-1' : NO_VERSION;
      }
      case 'invoice-classifier':
        return this.options.invoices?.currentClassifier(tenant)?.artifacts.manifest.version ?? NO_VERSION;
      case 'traffic-aadt':
        return trafficAadtCard(tenant).version;
      case 'fleet-planner':
        return fleetPlannerCard(tenant).version;
      case 'energy-seasonal-naive':
        return 'method-1';
      case 'road-damage-detector':
        // Each detection names the supplier's version in its own model_version field (cameras update one by one);
        // the oversight route looks it up per detection.
        return 'per-detection';
    }
  }

  /** Which energy model serves the tenant's forecasts now. */
  servingEnergyModel(tenant: string): ModelId {
    const serve = this.options.energyModels?.current(tenant)?.card.gate.serve;
    return serve === 'towt'
      ? 'energy-towt'
      : serve === 'seasonalNaive'
        ? 'energy-seasonal-naive'
        : 'energy-forecaster';
  }

  async cards(tenant: string): Promise<ModelCard[]> {
    return Promise.all(MODEL_IDS.map((id) => this.card(tenant, id)));
  }

  async card(tenant: string, id: ModelId): Promise<ModelCard> {
    const energy = this.options.energyModels?.current(tenant);
    const counts = await this.counts(tenant, id);
    let body: CardBody;
    let training: TrainingFootprint | undefined;
    switch (id) {
      case 'energy-forecaster':
      case 'energy-towt':
      case 'energy-seasonal-naive':
        body =
          id === 'energy-forecaster'
            ? energyForecasterCard(tenant, energy)
            : id === 'energy-towt'
              ? energyTowtCard(tenant, energy)
              : energySeasonalNaiveCard(tenant, energy);
        // The forecaster and TOWT are fitted and backtested in one training run: its footprint is theirs. The seasonal
        // rule is not trained.
        training = id === 'energy-seasonal-naive' ? undefined : await this.energyTraining(energy?.card);
        break;
      case 'invoice-classifier': {
        const manifest = this.options.invoices?.currentClassifier(tenant)?.artifacts.manifest;
        body = invoiceClassifierCard(tenant, manifest, counts);
        const runs = (await this.options.footprint?.trainings('invoice-classifier', 50)) ?? [];
        training = runs.find((r) => r.version === manifest?.version) ?? runs[0];
        break;
      }
      case 'traffic-aadt':
        body = trafficAadtCard(tenant);
        break;
      case 'road-damage-detector':
        body = roadDetectorCard(
          tenant,
          counts,
          await this.options.roadPrecision?.(tenant),
          await this.detectorVersions(tenant),
        );
        break;
      case 'fleet-planner':
        body = fleetPlannerCard(tenant);
        break;
    }
    const outputs = await this.outputs(tenant, id);
    return {
      ...body,
      humanOversight: { ...body.humanOversight, oversight: summary(outputs, counts, id) },
      energy: await this.energySummary(tenant, id, training),
      contact: this.options.contact ?? null,
    };
  }

  /** The detector versions the tenant's cameras report now: each camera's latest detection's (at most 50 cameras). */
  private async detectorVersions(tenant: string): Promise<string[]> {
    const store = this.options.store;
    if (!store) return [];
    const cameras = (await store.listDevices('road', tenant)).slice(0, 50);
    const versions = new Set<string>();
    for (const camera of cameras) {
      // The last version named in the camera's last day of detections (every damage class's series together).
      const rows = await store.querySeries({
        measurement: 'road',
        tenant,
        tags: { device: camera.device },
        field: 'model_version',
        fromMs: camera.lastSeenMs - DAY_MS,
        toMs: camera.lastSeenMs + 1,
        everyMs: DAY_MS,
        fn: 'last',
      });
      const latest = rows.filter((r) => typeof r.value === 'string' && r.value !== '').at(-1);
      if (latest) versions.add(latest.value as string);
    }
    return [...versions].sort();
  }

  /** Decisions people made on the model's outputs, newest first, with the shares checked and overturned. */
  async oversight(
    tenant: string,
    id: ModelId,
    page: { limit: number; before?: number },
  ): Promise<OversightPage> {
    const counts = await this.counts(tenant, id);
    const s = summary(await this.outputs(tenant, id), counts, id);
    if (id === 'invoice-classifier') {
      const corrections = (await this.options.invoices?.ledger(tenant).corrections()) ?? [];
      const newest = [...corrections].reverse();
      const start = page.before ?? 0;
      return {
        model: id,
        summary: s,
        source: 'invoice ledger (PATCH /api/v1/invoices/lines/{id})',
        decisions: newest.slice(start, start + page.limit).map((c, i) => ({
          id: start + i + 1,
          at: c.correctedAt,
          modelId: id,
          modelVersion: undefined,
          outputId: c.lineId,
          decision: c.category === c.previousCategory ? 'confirmed' : 'overturned',
          note: `${c.previousCategory} → ${c.category}`,
          decidedBy: c.correctedBy ?? 'unknown',
        })),
      };
    }
    return {
      model: id,
      summary: s,
      source: 'oversight records (POST /api/v1/models/{id}/oversight)',
      decisions: this.options.oversight
        ? await this.options.oversight.list(tenant, id, page.limit, page.before)
        : [],
    };
  }

  private async counts(tenant: string, id: ModelId): Promise<OversightCounts | undefined> {
    if (id === 'invoice-classifier') {
      const corrections = await this.options.invoices?.ledger(tenant).corrections();
      if (!corrections) return undefined;
      // The first correction of a line judged the model's category; later ones judge a person's.
      const first = new Map<string, Correction>();
      for (const c of corrections) if (!first.has(c.lineId)) first.set(c.lineId, c);
      const overturned = [...first.values()].filter((c) => c.category !== c.previousCategory).length;
      return { checked: first.size, overturned };
    }
    return this.options.oversight?.counts(tenant, id);
  }

  private async outputs(tenant: string, id: ModelId): Promise<number | null> {
    switch (id) {
      case 'invoice-classifier':
        return this.options.invoices ? (await this.options.invoices.ledger(tenant).lines()).length : null;
      case 'energy-forecaster':
        return this.options.energyModels ? this.options.energyModels.versions(tenant).length : null;
      case 'road-damage-detector':
        if (!this.options.store) return null;
        return (await this.options.store.listDevices('road', tenant)).reduce((n, d) => n + d.records, 0);
      default:
        return null;
    }
  }

  private async energyTraining(version: EnergyVersion | undefined): Promise<TrainingFootprint | undefined> {
    const runs = (await this.options.footprint?.trainings('energy-forecaster', 50)) ?? [];
    if (!version) return runs[0];
    // The version's card is stamped when its training starts loading data; the worker starts right after.
    const created = Date.parse(version.createdAt);
    return runs
      .filter((r) => Date.parse(r.startedAt) >= created && Date.parse(r.startedAt) - created < 3_600_000)
      .sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt))[0];
  }

  private async energySummary(
    tenant: string,
    id: ModelId,
    training: TrainingFootprint | undefined,
  ): Promise<FootprintSummary | undefined> {
    const log = this.options.footprint;
    if (!log) return undefined;
    const days = await log.inferenceDays(id, tenant, 30);
    return {
      method: FOOTPRINT_METHOD,
      gridKgCo2ePerKwh: this.options.grid.kgPerKwh,
      gridFactorSource: this.options.grid.source,
      training: training && {
        kwh: training.kwh,
        co2eKg: training.co2eKg,
        cpuSeconds: training.cpuSeconds,
        wallSeconds: training.wallSeconds,
        at: training.startedAt,
        method: training.method,
      },
      inferencePerDay: days.map((d) => ({ day: d.day, calls: d.calls, kwh: d.kwh, co2eKg: d.co2eKg })),
    };
  }
}

function summary(outputs: number | null, counts: OversightCounts | undefined, id: ModelId): OversightSummary {
  const checked = counts?.checked ?? 0;
  const overturned = counts?.overturned ?? 0;
  return {
    outputs,
    checked,
    overturned,
    checkedShare: outputs && outputs > 0 ? Math.min(1, checked / outputs) : null,
    overturnedShare: checked > 0 ? overturned / checked : null,
    records: `/api/v1/models/${id}/oversight`,
  };
}
