import { ACCESS_MIGRATIONS, AUDIT_MIGRATIONS, DEVICE_MIGRATIONS } from '../access/index.js';
import {
  FOOTPRINT_MIGRATIONS,
  INVOICE_MIGRATIONS,
  OVERSIGHT_MIGRATIONS,
  ROAD_MIGRATIONS,
} from '../models/index.js';
import type { MigrationSet } from '../store/index.js';

/**
 * Every component's schema steps, applied at start-up by {@link openRecords}. A component adds its set here; each
 * set is versioned on its own, forward-only.
 */
export const RECORD_MIGRATIONS: readonly MigrationSet[] = [
  ACCESS_MIGRATIONS,
  AUDIT_MIGRATIONS,
  DEVICE_MIGRATIONS,
  INVOICE_MIGRATIONS,
  OVERSIGHT_MIGRATIONS,
  FOOTPRINT_MIGRATIONS,
  ROAD_MIGRATIONS,
];
