/**
 * Forecast of one series with prediction intervals. The model is chosen per series by rolling-origin
 * validation: from several origins over the last part of the series, each candidate forecasts the
 * points that follow, and the lowest mean absolute scaled error (MASE) wins. The winner's own errors at
 * those origins set its intervals (see intervals.ts).
 */
import { detectSeasonality, regularize } from '../series/index.ts';
import { InsufficientDataError } from './errors.ts';
import { calibrateIntervals, type PredictionBands, predictionBands } from './intervals.ts';
import type { ForecastMethod, ForecastModel } from './model.ts';
import { FORECAST_MODELS } from './models.ts';

export interface TimeSeries {
  /** ms epoch, ascending; irregular spacing is fine. */
  timestamps: Float64Array;
  /** NaN marks a missing value. */
  values: Float64Array;
}

export interface ForecastOptions {
  /** Points to forecast after the last one. */
  horizonPoints: number;
  /** Grid step; default the median spacing of the samples. */
  stepMs?: number;
  /** Season in points, 0 for none; default detected (hourly, daily or weekly). */
  seasonPeriod?: number;
  /** Restrict the candidates (e.g. to compare models); default all that apply. */
  methods?: readonly ForecastMethod[];
  /** Validation origins, at most (default 12). */
  validationOrigins?: number;
}

export interface ForecastValidation {
  /** Steps ahead scored at each origin (the horizon, capped by the history). */
  horizonPoints: number;
  origins: number;
  /** MASE of each candidate over the origins (scaled by the in-sample seasonal naive error). */
  mase: Partial<Record<ForecastMethod, number>>;
}

export interface ForecastResult extends PredictionBands {
  method: ForecastMethod;
  stepMs: number;
  /** Season in points (0 = none). */
  seasonPeriod: number;
  /** Time of each forecast point (ms epoch). */
  timestamps: Float64Array;
  mean: Float64Array;
  validation: ForecastValidation;
}

/** Fewer observed points than this cannot be validated and throw InsufficientDataError. */
export const MIN_FORECAST_POINTS = 6;
const DEFAULT_ORIGINS = 12;
/** Mean |y_t − y_{t−lag}|: the error of the in-sample (seasonal) naive forecast, MASE's denominator. */
export function naiveScale(values: Float64Array, lag: number): number {
  let sum = 0;
  let count = 0;
  for (let i = lag; i < values.length; i += 1) {
    const difference = (values[i] as number) - (values[i - lag] as number);
    if (Number.isFinite(difference)) {
      sum += Math.abs(difference);
      count += 1;
    }
  }
  return count > 0 ? sum / count : 0;
}

interface ValidationPlan {
  horizon: number;
  /** Origin indices: the validation history is values[0..origin). */
  origins: number[];
}

/**
 * Origins every half horizon back from the end, each leaving a full horizon to score and at least a
 * third of the series (two seasons when seasonal) of history.
 */
function validationPlan(length: number, seasonPeriod: number, horizon: number, maxOrigins: number): ValidationPlan {
  const minHistory = Math.max(4, Math.floor(length / 3), 2 * seasonPeriod);
  const available = length - minHistory;
  const validationHorizon = Math.max(1, Math.min(horizon, Math.floor(available / 2)));
  const stride = Math.max(1, Math.floor(validationHorizon / 2));
  const count = Math.max(1, Math.min(maxOrigins, 1 + Math.floor((available - validationHorizon) / stride)));
  const origins: number[] = [];
  for (let k = 0; k < count; k += 1) origins.push(length - validationHorizon - k * stride);
  return { horizon: validationHorizon, origins };
}

function flatForecast(
  grid: { timestamps: Float64Array; stepMs: number },
  value: number,
  horizon: number,
  seasonPeriod: number,
): ForecastResult {
  const mean = new Float64Array(horizon).fill(value);
  return {
    method: 'naive',
    stepMs: grid.stepMs,
    seasonPeriod,
    timestamps: forecastTimes(grid, horizon),
    mean,
    lower80: mean.slice(),
    upper80: mean.slice(),
    lower95: mean.slice(),
    upper95: mean.slice(),
    validation: { horizonPoints: 0, origins: 0, mase: { naive: 0 } },
  };
}

function forecastTimes(grid: { timestamps: Float64Array; stepMs: number }, horizon: number): Float64Array {
  const last = grid.timestamps[grid.timestamps.length - 1] as number;
  const times = new Float64Array(horizon);
  for (let h = 0; h < horizon; h += 1) times[h] = last + (h + 1) * grid.stepMs;
  return times;
}

/**
 * Forecasts `horizonPoints` grid steps after the last sample. Throws InsufficientDataError below
 * MIN_FORECAST_POINTS observed points and RangeError on a non-positive horizon. A constant series gets
 * a flat naive forecast with zero-width intervals.
 */
export function forecast(series: TimeSeries, options: ForecastOptions): ForecastResult {
  const horizon = Math.floor(options.horizonPoints);
  if (!(horizon >= 1)) throw new RangeError(`horizonPoints must be at least 1, got ${options.horizonPoints}`);
  const grid = regularize(series.timestamps, series.values, options.stepMs);
  const values = grid.values;
  let observed = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i += 1) {
    const value = values[i] as number;
    if (!Number.isFinite(value)) continue;
    observed += 1;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  if (observed < MIN_FORECAST_POINTS) throw new InsufficientDataError(observed, MIN_FORECAST_POINTS);

  let seasonPeriod = options.seasonPeriod ?? detectSeasonality(values, grid.stepMs, { includeHourly: true });
  // Seasonal models need two seasons of history at every validation origin.
  if (seasonPeriod > 0 && values.length < 2 * seasonPeriod + 2) seasonPeriod = 0;
  if (min === max) return flatForecast(grid, min, horizon, seasonPeriod);

  const candidates = FORECAST_MODELS.filter(
    (model) => model.appliesTo(seasonPeriod) && (!options.methods || options.methods.includes(model.method)),
  );
  if (candidates.length === 0) throw new RangeError('none of the requested methods applies to this series');
  const plan = validationPlan(values.length, seasonPeriod, horizon, options.validationOrigins ?? DEFAULT_ORIGINS);
  const scale = naiveScale(values, seasonPeriod > 0 ? seasonPeriod : 1) || naiveScale(values, 1) || 1;

  const predicted = new Float64Array(plan.horizon);
  const mase: Partial<Record<ForecastMethod, number>> = {};
  let best: { model: ForecastModel; score: number; errors: Float64Array } | undefined;
  for (const model of candidates) {
    const errors = new Float64Array(plan.origins.length * plan.horizon);
    let total = 0;
    let scored = 0;
    plan.origins.forEach((origin, o) => {
      model.predict(values.subarray(0, origin), seasonPeriod, predicted);
      let sum = 0;
      let count = 0;
      for (let h = 0; h < plan.horizon; h += 1) {
        const error = (values[origin + h] as number) - (predicted[h] as number);
        errors[o * plan.horizon + h] = error;
        if (Number.isFinite(error)) {
          sum += Math.abs(error);
          count += 1;
        }
      }
      if (count > 0) {
        total += sum / count;
        scored += 1;
      }
    });
    const score = scored > 0 ? total / scored / scale : Number.POSITIVE_INFINITY;
    mase[model.method] = score;
    if (!best || score < best.score) best = { model, score, errors };
  }
  if (!best) throw new RangeError('no candidate model');

  const method = best.model.method;
  const mean = new Float64Array(horizon);
  best.model.predict(values, seasonPeriod, mean);
  const calibration = calibrateIntervals(best.errors, plan.origins.length, plan.horizon);
  return {
    method,
    stepMs: grid.stepMs,
    seasonPeriod,
    timestamps: forecastTimes(grid, horizon),
    mean,
    ...predictionBands(mean, calibration),
    validation: { horizonPoints: plan.horizon, origins: plan.origins.length, mase },
  };
}
