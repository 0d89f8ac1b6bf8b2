export {
  LocalCalendar,
  dayIndexOf,
  dayOfIndex,
  weekdayOfIndex,
  type LocalInstant,
} from './local-calendar.js';
export {
  TRAFFIC_MODES,
  HEAVY_MODES,
  MOTOR_MODES,
  DEFAULT_TRAFFIC_SETTINGS,
  type TrafficMode,
  type TrafficInterval,
  type TrafficSettings,
} from './traffic-interval.js';
export { hourlyCells, hourTotal, type CounterHours, type DirectionHours } from './hourly-cells.js';
export { dailyVolumes, type DayVolume } from './daily-volumes.js';
export { aashtoAadt, cellMeans, type AashtoResult } from './aashto.js';
export {
  expandShortCount,
  DEFAULT_SHORT_COUNT_OPTIONS,
  patternOf,
  type FactorSource,
  type SeriesDay,
  type ShortCountEstimate,
  type ShortCountOptions,
  type TrafficPattern,
} from './factor-groups.js';
export {
  seriesDays,
  permanentFigures,
  factorSource,
  type PermanentFigures,
  type SeriesPick,
} from './series-year.js';
export { intervalFromRecord } from './traffic-interval.js';
export { analyseCounter, healthInYear, zoneOf, type CounterAnalysis } from './counter-analysis.js';
export {
  counterHealth,
  DEFAULT_HEALTH_OPTIONS,
  HEALTH_KINDS,
  type CounterHealth,
  type HealthIssue,
  type HealthKind,
  type HealthOptions,
} from './counter-health.js';
export { SpeedAccumulator, normalCdf } from './speed.js';
export {
  trafficReport,
  factorPools,
  type AadtFigure,
  type AadtMethod,
  type CounterYearReport,
} from './traffic-report.js';
export { loadTrafficIntervals, type LoadTrafficOptions } from './load-traffic.js';
export { profileRows, PROFILE_BUCKETS, type ProfileBucket, type ProfileRow } from './aggregates.js';
export { TrafficService, type TenantYear, type TrafficServiceOptions } from './use-cases.js';
export { TrafficResultsJob, type TrafficResultsJobOptions } from './results-job.js';
export {
  TRAFFIC_DAILY_MEASUREMENT,
  TRAFFIC_YEARLY_MEASUREMENT,
  dailyResultPoints,
  dailySpeeds,
  yearlyResultPoint,
} from './traffic-results.js';
export { keyFiguresCsv, KEY_FIGURE_COLUMNS } from './key-figures.js';
export {
  openDataRows,
  openDataCsv,
  openDataCsvMetadata,
  openDataGeoJson,
  OPEN_DATA_COLUMNS,
  OPEN_DATA_LICENSE,
  DEFAULT_OPEN_DATA_OPTIONS,
  type OpenDataOptions,
  type OpenDataRow,
} from './open-data.js';
