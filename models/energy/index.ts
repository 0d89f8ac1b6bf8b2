export { accuracy, meetsAshraeG14Hourly, ASHRAE_G14_HOURLY, type Accuracy } from './accuracy.js';
export { hourOfWeek, HOUR_MS, type HourlySeries } from './hourly-series.js';
export { seasonalNaiveForecast } from './seasonal-naive.js';
export { fitTowt, predictTowt, temperatureSegments, TEMPERATURE_KNOTS_C, type TowtModel } from './towt.js';
