import type { StreamName } from '../../core/index.js';

type Kind = 'number' | 'integer' | 'boolean' | 'string';

interface Column {
  name: string;
  required: boolean;
  kind: Kind;
  /** Where the value goes in the record, as a path. */
  path: string[];
}

const col = (name: string, kind: Kind, path: string | string[], required = false): Column => ({
  name,
  required,
  kind,
  path: Array.isArray(path) ? path : [path],
});

/**
 * CSV columns per stream for `greenops edge replay` (documented in the README). `timestamp` is ISO 8601; a time
 * without an offset is read as UTC. Unknown columns are refused so a typo cannot silently drop data.
 */
export const REPLAY_COLUMNS: Record<StreamName, { entity: string; columns: Column[] }> = {
  energy: {
    entity: 'meter_id',
    columns: [
      col('meter_id', 'string', 'meterId', true),
      col('kwh', 'number', 'value', true),
      col('outdoor_temp_c', 'number', 'outdoorTempC'),
      col('site_id', 'string', 'siteId'),
      col('interval_s', 'integer', 'intervalSeconds'),
    ],
  },
  fleet: {
    entity: 'vehicle_id',
    columns: [
      col('vehicle_id', 'string', 'vehicleId', true),
      col('lat', 'number', 'lat', true),
      col('lon', 'number', 'lon', true),
      col('speed_kmh', 'number', 'speedKmh', true),
      col('ignition', 'boolean', 'ignition', true),
      col('heading_deg', 'number', 'headingDeg'),
      col('odometer_km', 'number', 'odometerKm'),
      col('fuel_level_pct', 'number', 'fuelLevelPct'),
      col('fuel_used_l', 'number', 'fuelUsedL'),
      col('soc_pct', 'number', 'socPct'),
      col('energy_used_kwh', 'number', 'energyUsedKwh'),
      col('driver_id', 'string', 'driverId'),
      col('powertrain', 'string', 'powertrain'),
      col('vehicle_class', 'string', 'vehicleClass'),
    ],
  },
  traffic: {
    entity: 'counter_id',
    columns: [
      col('counter_id', 'string', 'counterId', true),
      col('interval_s', 'integer', 'intervalSeconds', true),
      col('direction', 'string', 'direction', true),
      col('lane', 'integer', 'lane'),
      col('car', 'integer', ['counts', 'car']),
      col('van', 'integer', ['counts', 'van']),
      col('truck', 'integer', ['counts', 'truck']),
      col('bus', 'integer', ['counts', 'bus']),
      col('bicycle', 'integer', ['counts', 'bicycle']),
      col('pedestrian', 'integer', ['counts', 'pedestrian']),
      col('speed_mean_kmh', 'number', ['speed', 'meanKmh']),
      col('speed_v85_kmh', 'number', ['speed', 'v85Kmh']),
      col('uptime', 'number', 'uptime'),
    ],
  },
  road: {
    entity: 'camera_id',
    columns: [
      col('camera_id', 'string', 'cameraId', true),
      col('lat', 'number', 'lat', true),
      col('lon', 'number', 'lon', true),
      col('damage', 'string', 'damage', true),
      col('confidence', 'number', 'confidence', true),
      col('bbox_x', 'number', ['bbox', 'x'], true),
      col('bbox_y', 'number', ['bbox', 'y'], true),
      col('bbox_w', 'number', ['bbox', 'w'], true),
      col('bbox_h', 'number', ['bbox', 'h'], true),
      col('detection_id', 'string', 'id'),
      col('heading_deg', 'number', 'headingDeg'),
      col('vehicle_id', 'string', 'vehicleId'),
      col('image_ref', 'string', 'imageRef'),
    ],
  },
};

export type { Column };
