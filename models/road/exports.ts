import type { DamageClass } from '../../core/index.js';
import { DAMAGE_NAMES } from './severity.js';
import type { DefectView, WorkOrderView } from './road-defects.js';

/**
 * Columns a GIS (QGIS, or a Vejman-based department's own map) joins on: WGS 84 point, Road Damage Dataset class
 * with the Danish name, status, grade 1–5, priority, dates, and the work order when there is one.
 */
const COLUMNS = [
  'id',
  'damage',
  'damage_da',
  'status',
  'severity',
  'priority',
  'lat',
  'lon',
  'first_seen',
  'last_seen',
  'sightings',
  'confidence',
  'aadt',
  'work_order',
  'assignee',
  'due_date',
] as const;

type Row = Record<(typeof COLUMNS)[number], string | number | null>;

function rowOf(d: DefectView, order: WorkOrderView | undefined): Row {
  return {
    id: d.id,
    damage: d.damage,
    damage_da: DAMAGE_NAMES[d.damage as DamageClass]?.da ?? d.damage,
    status: d.status,
    severity: d.severity,
    priority: d.priority,
    lat: d.lat,
    lon: d.lon,
    first_seen: d.firstSeen,
    last_seen: d.lastSeen,
    sightings: d.sightings,
    confidence: d.confidence,
    aadt: d.exposure.aadt,
    work_order: order?.id ?? null,
    assignee: order?.assignee ?? null,
    due_date: order?.dueDate ?? null,
  };
}

function cell(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  // RFC 4180 quoting, and a leading =, +, -, @ neutralised so a spreadsheet does not run it as a formula.
  const safe = /^[=+\-@]/.test(s) && typeof v === 'string' ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function orderOf(orders: readonly WorkOrderView[]): Map<string, WorkOrderView> {
  const map = new Map<string, WorkOrderView>();
  for (const o of orders) for (const id of o.defectIds) if (!map.has(id)) map.set(id, o);
  return map;
}

export function defectsCsv(defects: readonly DefectView[], orders: readonly WorkOrderView[] = []): string {
  const byDefect = orderOf(orders);
  const lines = [COLUMNS.join(',')];
  for (const d of defects) {
    const row = rowOf(d, byDefect.get(d.id));
    lines.push(COLUMNS.map((c) => cell(row[c])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

export function defectsGeoJson(
  defects: readonly DefectView[],
  orders: readonly WorkOrderView[] = [],
): object {
  const byDefect = orderOf(orders);
  return {
    type: 'FeatureCollection',
    features: defects.map((d) => {
      const { lat, lon, ...properties } = rowOf(d, byDefect.get(d.id));
      return {
        type: 'Feature',
        id: d.id,
        geometry: { type: 'Point', coordinates: [lon, lat] },
        properties,
      };
    }),
  };
}
