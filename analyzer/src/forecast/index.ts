/** Forecasting with prediction intervals, and time to a limit: pure computation over typed arrays. */
export { InsufficientDataError } from './errors.ts';
export {
  type ForecastOptions,
  type ForecastResult,
  type ForecastValidation,
  forecast,
  MIN_FORECAST_POINTS,
  naiveScale,
  type TimeSeries,
} from './forecast.ts';
export type { PredictionBands } from './intervals.ts';
export type { ForecastMethod } from './model.ts';
export { seasonalNaive } from './seasonal-naive.ts';
export { type TimeToThreshold, type TimeToThresholdOptions, timeToThreshold } from './time-to-threshold.ts';
