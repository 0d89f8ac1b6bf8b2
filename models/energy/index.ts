export { accuracy, meetsAshraeG14Hourly, ASHRAE_G14_HOURLY, type Accuracy } from './accuracy.js';
export {
  energyHolidayCalendar,
  hourOfWeek,
  HOUR_MS,
  setEnergyHolidayCalendar,
  type HourlySeries,
} from './hourly-series.js';
export { seasonalNaiveForecast } from './seasonal-naive.js';
export { fitTowt, predictTowt, temperatureSegments, TEMPERATURE_KNOTS_C, type TowtModel } from './towt.js';
export { seriesFromRows, ZERO_RUN_HOURS, type MeterRow, type MeterSeries } from './series-from-rows.js';
export {
  NeuralForecaster,
  DEFAULT_NEURAL_OPTIONS,
  QUANTILES,
  dayOrigins,
  type Forecast,
  type NeuralOptions,
  type MeterModel,
} from './neural-forecaster.js';
export {
  backtest,
  trainAndBacktest,
  BACKTEST_MODELS,
  type BacktestReport,
  type MeterBacktest,
  type BacktestModel,
  type BacktestOptions,
  type ScoredModel,
} from './backtest.js';
export { loadTf } from './tf-runtime.js';
export { gate, GATE_MIN_DAYS, type GateDecision, type MeterServing } from './gate.js';
export {
  fitLinear,
  predictLinear,
  LinearFitter,
  DEFAULT_LINEAR_OPTIONS,
  type LinearModel,
  type LinearOptions,
} from './linear-reference.js';
export { chooseModel, CHOICE_WINDOW_DAYS } from './model-choice.js';
export { FileModelRegistry, type ModelCard } from './registry.js';
export {
  parseReferences,
  REFERENCES_FORMAT,
  type MeterReferences,
  type ServingReferences,
} from './references.js';
export type { ForecasterArtifacts } from './neural-forecaster.js';
export { loadEnergySeries } from './load-series.js';
export { avoidedEnergy, type SavingsReport } from './savings.js';
export {
  detectWaste,
  DEFAULT_WASTE_SETTINGS,
  type WasteFinding,
  type WasteKind,
  type WasteSettings,
} from './waste.js';
export { trainInWorker } from './train-in-worker.js';
export {
  retrainTenant,
  DEFAULT_HOLDOUT_DAYS,
  writeForecasts,
  EnergyRetrainer,
  type TrainingJob,
  MODEL_LIMITATIONS,
  type RetrainResult,
} from './retrain.js';
export {
  ForecasterCache,
  forecastTomorrow,
  forecastMeter,
  servedModel,
  SERVING_HISTORY_DAYS,
  wasteFor,
  wasteOfSeries,
  savingsFor,
  savingsOfSeries,
  type ForecastPoint,
  type WasteReport,
  type SavingsPeriods,
  type SavingsResult,
  type EnergyAnalysis,
} from './use-cases.js';
export {
  FileWeatherForecast,
  HttpWeatherForecast,
  parseTemperatureForecast,
  weatherForecastFrom,
  weatherForCard,
  temperatureSource,
  WarnedWeatherForecast,
  type WeatherForecastProvider,
  type WeatherForecastReading,
} from './weather-forecast.js';
export { writeEnergyAnalysis } from './analysis-points.js';
export { inferHolidayCalendar, type CalendarEvidence } from './holiday-inference.js';
