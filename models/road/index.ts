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
