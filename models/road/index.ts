export {
  DEFAULT_CLUSTER_SETTINGS,
  DefectClusterer,
  defectIdFor,
  fusedConfidence,
  isCorroborated,
  stateSeverity,
  type ClusterEvent,
  type ClusterSettings,
  type DefectState,
  type Detection,
  type Sighting,
} from './defect-clusterer.js';
export { scoreClustering, type ClusteringScore, type FoundDefect, type TruthDefect } from './evaluate.js';
export { CLASS_WEIGHT, DAMAGE_NAMES, severityOf } from './severity.js';
export { metresBetween, metresToSegment, sameAxis, type LatLon } from './geo.js';
export { ROAD_MIGRATIONS } from './road-migrations.js';
export { DefectTracker, COVERAGE_CELL_M, type DefectTrackerOptions } from './defect-tracker.js';
export {
  CounterExposure,
  priorityOf,
  type CounterExposureOptions,
  type Exposure,
  type ExposureSource,
} from './exposure.js';
export {
  DEFECT_ACTIONS,
  DEFECT_STATUSES,
  REJECT_REASONS,
  WORK_ORDER_STATUSES,
  nextStatus,
  type DefectAction,
  type DefectStatus,
  type RejectReason,
  type WorkOrderStatus,
} from './review-workflow.js';
export { precisionByClass, wilsonInterval, type ClassPrecision, type ReviewedDefect } from './precision.js';
export {
  MAP_FIELDS,
  RoadDefects,
  type Actor,
  type MapDefect,
  type DefectFilter,
  type DefectView,
  type Transition,
  type WorkOrderView,
} from './road-defects.js';
export { EXPORT_COLUMNS, defectsCsv, defectsGeoJson } from './exports.js';
export { toGrid, utm32, ETRS89_UTM32N } from './utm.js';
export { roadIngestHooks } from './ingest-hooks.js';
export { RoadResultsJob, roadResultPoints, type RoadResultsJobOptions } from './road-results.js';
