import { readInvoices, type InvoiceFile } from './co2/read-invoices.js';
import type { InvoiceLine } from './co2/invoice-line.js';
import type { MeterSeries } from './energy/series-from-rows.js';
import {
  savingsOfSeries,
  wasteOfSeries,
  type SavingsPeriods,
  type SavingsResult,
  type WasteReport,
} from './energy/use-cases.js';
import type { WasteSettings } from './energy/waste.js';
import { fleetReport, type FleetReport, type FleetReportInput } from './fleet/fleet-report.js';

/** The heavy computations a request may ask for, as messages a worker thread can receive. */
export type AnalysisTask =
  | {
      kind: 'waste';
      series: MeterSeries[];
      window: { fromMs: number; toMs: number; referenceFrom: number };
      settings: WasteSettings;
    }
  | { kind: 'savings'; series: MeterSeries[]; periods: SavingsPeriods }
  | { kind: 'read-invoices'; files: InvoiceFile[] }
  | { kind: 'fleet-report'; input: FleetReportInput };

/** What `read-invoices` answers: file errors as plain data (an Error's class does not cross threads). */
export interface ReadInvoicesResult {
  lines: InvoiceLine[];
  errors: { file: string; line: number | undefined; message: string }[];
}

export function runAnalysis(
  task: AnalysisTask,
): WasteReport | SavingsResult | ReadInvoicesResult | FleetReport {
  switch (task.kind) {
    case 'waste':
      return wasteOfSeries(task.series, task.window, task.settings);
    case 'savings':
      return savingsOfSeries(task.series, task.periods);
    case 'fleet-report':
      return fleetReport(task.input);
    case 'read-invoices': {
      const { lines, errors } = readInvoices(task.files);
      // The message without the "file:line: " prefix InvoiceFileError adds, so it is rebuilt once, not twice.
      const prefix = (e: { file: string; line: number | undefined }) =>
        `${e.file}${e.line === undefined ? '' : `:${e.line}`}: `;
      return {
        lines,
        errors: errors.map((e) => ({
          file: e.file,
          line: e.line,
          message: e.message.slice(prefix(e).length),
        })),
      };
    }
  }
}
