/**
 * Additive damped-trend exponential smoothing, with additive seasonality when the series has a season
 * (Holt-Winters, ETS(A,Ad,A) in error-correction form). Parameters come from a small grid scored on
 * the squared error of 1-, h/2- and h-step forecasts (see smooth()): about a hundred O(n) passes with
 * no allocation per point, fast and deterministic.
 */
import type { ForecastModel } from './model.ts';

interface SmoothingParameters {
  alpha: number;
  /** Trend smoothing; 0 means no trend (simple exponential smoothing). */
  beta: number;
  gamma: number;
  phi: number;
}

const ALPHAS = [0.01, 0.03, 0.1, 0.2, 0.35, 0.5, 0.7, 0.9];
/** Trend smoothing as a share of alpha (keeps beta ≤ alpha, the usual admissible region). */
const BETA_SHARES = [0, 0.02, 0.1];
const PHIS = [0.9, 0.98];
const GAMMAS = [0.02, 0.1, 0.25];
/** Enough recent history to fit and to start from; older points change little and cost time. */
const FIT_POINTS = 2000;
const FIT_SEASONS = 4;
const INIT_SEASONS = 3;

/** The state after a pass, and the pass's fitting error. */
interface SmoothingState {
  level: number;
  trend: number;
  /** Seasonal index of each phase; phase 0 is the first point of the fitted window. */
  season: Float64Array;
  /** Level and trend of the last `fitHorizon` points (ring buffers), for the multi-step error. */
  pastLevels: Float64Array;
  pastTrends: Float64Array;
  squaredError: number;
  errors: number;
}

/**
 * One pass over `values[start..]` with fixed parameters. The fitting error is the squared error of the
 * forecasts made 1, fitHorizon/2 and fitHorizon steps earlier: one-step error alone favours a level
 * that chases the last value, which forecasts a day ahead badly. A forecast made h ≤ period steps
 * earlier used the same seasonal index as now (each index changes once per period), so only the
 * level and trend need remembering. The first seasons (or first few points) only initialise the
 * state and are left out of the error.
 */
function smooth(
  values: Float64Array,
  start: number,
  period: number,
  parameters: SmoothingParameters,
  state: SmoothingState,
): void {
  const n = values.length;
  const { alpha, beta, gamma, phi } = parameters;
  const { season, pastLevels, pastTrends } = state;
  const fitHorizon = pastLevels.length;
  const middleHorizon = Math.max(1, fitHorizon >> 1);
  const warmUp = initialise(values, start, period, state);
  let level = state.level;
  let trend = 0;
  let squaredError = 0;
  let errors = 0;
  let phase = 0;
  // Damped sums φ + … + φ^h for the two longer horizons.
  let middleSum = 0;
  let longSum = 0;
  for (let h = 1, power = 1; h <= fitHorizon; h += 1) {
    power *= phi;
    longSum += power;
    if (h === middleHorizon) middleSum = longSum;
  }
  for (let i = start; i < n; i += 1) {
    const value = values[i] as number;
    const seasonal = period > 0 ? (season[phase] as number) : 0;
    const damped = phi * trend;
    const age = i - start;
    if (Number.isFinite(value)) {
      const error = value - (level + damped + seasonal);
      if (age >= warmUp + fitHorizon) {
        const middleSlot = (age - middleHorizon) % fitHorizon;
        const longSlot = age % fitHorizon; // written fitHorizon points ago
        const middleError =
          value - ((pastLevels[middleSlot] as number) + middleSum * (pastTrends[middleSlot] as number) + seasonal);
        const longError =
          value - ((pastLevels[longSlot] as number) + longSum * (pastTrends[longSlot] as number) + seasonal);
        squaredError += error * error + middleError * middleError + longError * longError;
        errors += 1;
      }
      level += damped + alpha * error;
      trend = damped + beta * error;
      if (period > 0) season[phase] = seasonal + gamma * error;
    } else {
      level += damped;
      trend = damped;
    }
    // The state after point i forecasts point i + h from here.
    pastLevels[age % fitHorizon] = level;
    pastTrends[age % fitHorizon] = trend;
    if (period > 0) phase = phase + 1 === period ? 0 : phase + 1;
  }
  state.level = level;
  state.trend = trend;
  state.squaredError = squaredError;
  state.errors = errors;
}

/**
 * Starting level and seasonal indices; returns the points used to start (left out of the error).
 * Seasonal indices are the mean of each phase over the first few seasons, each season taken about
 * its own mean, so a single odd first day does not stamp every forecast.
 */
function initialise(values: Float64Array, start: number, period: number, state: SmoothingState): number {
  const n = values.length;
  if (period === 0) {
    state.level = Number.NaN;
    for (let i = start; i < n && Number.isNaN(state.level); i += 1) {
      if (Number.isFinite(values[i] as number)) state.level = values[i] as number;
    }
    if (Number.isNaN(state.level)) state.level = 0;
    return Math.min(10, Math.floor((n - start) / 3));
  }
  const seasons = Math.max(1, Math.min(INIT_SEASONS, Math.floor((n - start) / period) - 1));
  const season = state.season;
  const counts = new Float64Array(period);
  season.fill(0);
  let firstMean = Number.NaN;
  for (let k = 0; k < seasons; k += 1) {
    const from = start + k * period;
    let sum = 0;
    let count = 0;
    for (let p = 0; p < period; p += 1) {
      const value = values[from + p] as number;
      if (Number.isFinite(value)) {
        sum += value;
        count += 1;
      }
    }
    if (count === 0) continue;
    const mean = sum / count;
    if (Number.isNaN(firstMean)) firstMean = mean;
    for (let p = 0; p < period; p += 1) {
      const value = values[from + p] as number;
      if (!Number.isFinite(value)) continue;
      season[p] = (season[p] as number) + value - mean;
      counts[p] = (counts[p] as number) + 1;
    }
  }
  for (let p = 0; p < period; p += 1)
    season[p] = (counts[p] as number) > 0 ? (season[p] as number) / (counts[p] as number) : 0;
  state.level = Number.isNaN(firstMean) ? 0 : firstMean;
  return 0;
}

function* parameterGrid(seasonal: boolean): Generator<SmoothingParameters> {
  for (const alpha of ALPHAS) {
    for (const share of BETA_SHARES) {
      for (const phi of share === 0 ? [1] : PHIS) {
        for (const gamma of seasonal ? GAMMAS : [0]) {
          if (gamma > 1 - alpha) continue;
          yield { alpha, beta: share * alpha, gamma, phi };
        }
      }
    }
  }
}

/** Fits the grid on the recent window and writes the forecast from the best parameters into `out`. */
export function exponentialSmoothing(values: Float64Array, seasonPeriod: number, out: Float64Array): void {
  const n = values.length;
  const period = seasonPeriod > 0 && n >= 2 * seasonPeriod ? seasonPeriod : 0;
  const window = Math.min(n, Math.max(FIT_POINTS, FIT_SEASONS * period));
  const start = n - window;
  // The longest horizon fitted: the forecast's, within a season and a third of the window.
  const fitHorizon = Math.max(1, Math.min(out.length, period > 0 ? period : out.length, Math.floor(window / 3)));
  const state: SmoothingState = {
    level: 0,
    trend: 0,
    season: new Float64Array(period),
    pastLevels: new Float64Array(fitHorizon),
    pastTrends: new Float64Array(fitHorizon),
    squaredError: 0,
    errors: 0,
  };
  let best: SmoothingParameters = { alpha: 0.2, beta: 0, gamma: 0, phi: 1 };
  let bestError = Number.POSITIVE_INFINITY;
  for (const parameters of parameterGrid(period > 0)) {
    smooth(values, start, period, parameters, state);
    const meanError = state.errors > 0 ? state.squaredError / state.errors : Number.POSITIVE_INFINITY;
    if (meanError < bestError) {
      bestError = meanError;
      best = parameters;
    }
  }
  smooth(values, start, period, best, state);
  let dampedSum = 0;
  let dampedPower = 1;
  for (let h = 0; h < out.length; h += 1) {
    dampedPower *= best.phi;
    dampedSum += dampedPower;
    const seasonal = period > 0 ? (state.season[(window + h) % period] as number) : 0;
    out[h] = state.level + dampedSum * state.trend + seasonal;
  }
}

export const dampedTrendModel: ForecastModel = {
  method: 'damped-trend',
  appliesTo: () => true,
  predict: (values, _seasonPeriod, out) => exponentialSmoothing(values, 0, out),
};

export const holtWintersModel: ForecastModel = {
  method: 'holt-winters',
  appliesTo: (seasonPeriod) => seasonPeriod > 0,
  predict: exponentialSmoothing,
};
