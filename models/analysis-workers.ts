import { InvoiceFileError, type InvoiceLine } from './co2/invoice-line.js';
import type { InvoiceFile } from './co2/read-invoices.js';
import type { MeterSeries } from './energy/series-from-rows.js';
import type { EnergyAnalysis, SavingsPeriods, SavingsResult, WasteReport } from './energy/use-cases.js';
import type { WasteSettings } from './energy/waste.js';
import { runAnalysis, type AnalysisTask, type ReadInvoicesResult } from './analysis-tasks.js';
import type { FleetReport, FleetReportInput } from './fleet/fleet-report.js';
import { WorkerPool, type WorkerPoolOptions } from './worker-pool.js';
import { siblingModule } from './worker-thread.js';

export interface AnalysisWorkersOptions extends WorkerPoolOptions {
  /** Meter-hours up to which waste and savings are computed in place (a few milliseconds of work). */
  inlineMeterHours: number;
  /** Characters of invoice files up to which they are read in place. */
  inlineInvoiceChars: number;
  /** Trips up to which a fleet report is computed in place. */
  inlineFleetTrips: number;
}

export const DEFAULT_ANALYSIS_OPTIONS: AnalysisWorkersOptions = {
  size: 1,
  maxQueued: 16,
  what: 'analysis',
  inlineMeterHours: 5_000,
  inlineInvoiceChars: 256 * 1024,
  inlineFleetTrips: 5_000,
};

/**
 * Energy waste and savings and the reading of invoice uploads, run in a worker thread when the input is large:
 * a year of a site's meters took the API's event loop for 1.6 s, a 50,000-line invoice CSV for 0.5 s (issue 18).
 * Small inputs are computed in place, where a round trip to the worker would cost more than the work. One pool
 * per process (the composition root shares it), bounded: beyond `maxQueued` waiting tasks a request gets BUSY.
 */
export class AnalysisWorkers implements EnergyAnalysis {
  private readonly options: AnalysisWorkersOptions;
  private readonly pool: WorkerPool<AnalysisTask, unknown>;

  constructor(options: Partial<AnalysisWorkersOptions> = {}) {
    this.options = { ...DEFAULT_ANALYSIS_OPTIONS, ...options };
    this.pool = new WorkerPool(siblingModule(import.meta.url, 'analysis-worker'), this.options);
  }

  async waste(
    series: MeterSeries[],
    window: { fromMs: number; toMs: number; referenceFrom: number },
    settings: WasteSettings,
  ): Promise<WasteReport> {
    return (await this.run(
      { kind: 'waste', series, window, settings },
      this.meterHours(series) <= this.options.inlineMeterHours,
    )) as WasteReport;
  }

  async savings(series: MeterSeries[], periods: SavingsPeriods): Promise<SavingsResult> {
    return (await this.run(
      { kind: 'savings', series, periods },
      this.meterHours(series) <= this.options.inlineMeterHours,
    )) as SavingsResult;
  }

  async readInvoices(files: InvoiceFile[]): Promise<{ lines: InvoiceLine[]; errors: InvoiceFileError[] }> {
    const chars = files.reduce((n, f) => n + f.text.length, 0);
    const { lines, errors } = (await this.run(
      { kind: 'read-invoices', files },
      chars <= this.options.inlineInvoiceChars,
    )) as ReadInvoicesResult;
    return { lines, errors: errors.map((e) => new InvoiceFileError(e.file, e.line, e.message)) };
  }

  /** The fleet report of a pool's trips (a 200-vehicle pool-year took 4.6 s of CPU). */
  async fleetReport(input: FleetReportInput): Promise<FleetReport> {
    const trips = input.vehicles.reduce((n, v) => n + v.trips.length, 0);
    return (await this.run(
      { kind: 'fleet-report', input },
      trips <= this.options.inlineFleetTrips,
    )) as FleetReport;
  }

  stop(): Promise<void> {
    return this.pool.stop();
  }

  private run(task: AnalysisTask, inline: boolean): Promise<unknown> {
    return inline ? Promise.resolve(runAnalysis(task)) : this.pool.run(task);
  }

  private meterHours(series: readonly MeterSeries[]): number {
    return series.reduce((n, s) => n + s.kwh.length, 0);
  }
}
