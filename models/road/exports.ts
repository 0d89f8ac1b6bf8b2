import type { DamageClass } from '../../core/index.js';
import { DAMAGE_NAMES } from './severity.js';
import { utm32 } from './utm.js';
import type { DefectView, WorkOrderView } from './road-defects.js';

/**
 * Columns a GIS (QGIS, or a Vejman-based department's own map) joins on: WGS 84 point and the same point in ETRS89 /
 * UTM zone 32N (EPSG:25832, x = easting, y = northing, metres to the centimetre), Road Damage Dataset class with the
 * Danish name, the defect's current status, grade 1–5, priority, dates, and the work order when there is one (its
 * own status, notes, created and updated times: a defect reopened after its order was done shows status `new`
 * beside `work_order_status` `done`).
 */
export const EXPORT_COLUMNS = [
  'id',
  'damage',
  'damage_da',
  'status',
  'severity',
  'priority',
  'lat',
  'lon',
  'x_25832',
  'y_25832',
  'first_seen',
  'last_seen',
  'sightings',
  'confidence',
  'aadt',
  'work_order',
  'work_order_status',
  'assignee',
  'due_date',
  'work_order_notes',
  'work_order_created',
  'work_order_updated',
] as const;
const COLUMNS = EXPORT_COLUMNS;

type Row = Record<(typeof COLUMNS)[number], string | number | null>;

function rowOf(d: DefectView, order: WorkOrderView | undefined): Row {
  const grid = utm32(d.lat, d.lon);
  return {
    id: d.id,
    damage: d.damage,
    damage_da: DAMAGE_NAMES[d.damage as DamageClass]?.da ?? d.damage,
    status: d.status,
    severity: d.severity,
    priority: d.priority,
    lat: d.lat,
    lon: d.lon,
    x_25832: grid.x,
    y_25832: grid.y,
    first_seen: d.firstSeen,
    last_seen: d.lastSeen,
    sightings: d.sightings,
    confidence: d.confidence,
    aadt: d.exposure.aadt,
    work_order: order?.id ?? null,
    work_order_status: order?.status ?? null,
    assignee: order?.assignee ?? null,
    due_date: order?.dueDate ?? null,
    work_order_notes: order?.notes ?? null,
    work_order_created: order?.createdAt ?? null,
    work_order_updated: order?.updatedAt ?? null,
  };
}

function cell(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  // RFC 4180 quoting, and a leading =, +, -, @ neutralised so a spreadsheet does not run it as a formula.
  const safe = /^[=+\-@]/.test(s) && typeof v === 'string' ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** Each defect's work order; `orders` come newest first, so a defect ordered again shows its latest order. */
function orderOf(orders: readonly WorkOrderView[]): Map<string, WorkOrderView> {
  const map = new Map<string, WorkOrderView>();
  for (const o of orders) for (const id of o.defectIds) if (!map.has(id)) map.set(id, o);
  return map;
}

/**
 * RFC 4180 CSV (comma-separated, CRLF, decimals with a dot) in UTF-8 with a byte order mark: without it Excel in a
 * Danish locale reads the file as Windows-1252 and shows "TvÃ¦rrevne" for "Tværrevne". The BOM is ignored by QGIS,
 * LibreOffice and most CSV readers.
 */
export function defectsCsv(defects: readonly DefectView[], orders: readonly WorkOrderView[] = []): string {
  const byDefect = orderOf(orders);
  const lines = [`\uFEFF${COLUMNS.join(',')}`];
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
