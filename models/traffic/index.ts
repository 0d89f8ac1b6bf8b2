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
export { hourlyCells, type CounterHours, type HourCell } from './hourly-cells.js';
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
