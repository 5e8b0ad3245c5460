/**
 * A straight line through the recent window by Theil–Sen (the median of pairwise slopes): outliers and
 * spikes barely move it, and it extrapolates a steady growth (memory toward maxmemory, a filling disk)
 * without the damping that exponential smoothing applies.
 */
import type { ForecastModel } from './model.ts';

/** Pairwise slopes are quadratic: longer windows are thinned to this many points. */
const MAX_TREND_POINTS = 400;
const MIN_WINDOW = 30;

/** The k-th smallest of `values[0..length)` (Hoare's selection, average O(n)); reorders the array. */
export function selectInPlace(values: Float64Array, length: number, k: number): number {
  let left = 0;
  let right = length - 1;
  while (left < right) {
    const pivot = values[(left + right) >> 1] as number;
    let i = left;
    let j = right;
    while (i <= j) {
      while ((values[i] as number) < pivot) i += 1;
      while ((values[j] as number) > pivot) j -= 1;
      if (i <= j) {
        const swap = values[i] as number;
        values[i] = values[j] as number;
        values[j] = swap;
        i += 1;
        j -= 1;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return values[k] as number;
}

/** Median of the first `length` entries (reorders them). */
export function medianInPlace(values: Float64Array, length: number): number {
  const upper = selectInPlace(values, length, length >> 1);
  if (length % 2 === 1) return upper;
  let lower = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < length >> 1; i += 1) lower = Math.max(lower, values[i] as number);
  return (lower + upper) / 2;
}

export interface TrendLine {
  /** Value of the line at the last point of the series. */
  level: number;
  /** Change per point. */
  slope: number;
}

/**
 * Theil–Sen line over the last `window` points of `values` (NaN skipped), expressed at the last point.
 * A window holding a whole number of seasons keeps the season from tilting the line.
 */
export function theilSenTrend(values: Float64Array, window: number): TrendLine {
  const n = values.length;
  const start = n - Math.min(window, n);
  const stride = Math.max(1, Math.ceil((n - start) / MAX_TREND_POINTS));
  const xs = new Float64Array(Math.ceil((n - start) / stride));
  const ys = new Float64Array(xs.length);
  let count = 0;
  // Walk back from the last point so the newest point is always used.
  for (let i = n - 1; i >= start; i -= stride) {
    const value = values[i] as number;
    if (!Number.isFinite(value)) continue;
    xs[count] = i - (n - 1);
    ys[count] = value;
    count += 1;
  }
  if (count === 0) return { level: Number.NaN, slope: 0 };
  if (count === 1) return { level: ys[0] as number, slope: 0 };
  const slopes = new Float64Array((count * (count - 1)) / 2);
  let pairs = 0;
  for (let a = 0; a < count; a += 1) {
    for (let b = a + 1; b < count; b += 1) {
      slopes[pairs++] = ((ys[a] as number) - (ys[b] as number)) / ((xs[a] as number) - (xs[b] as number));
    }
  }
  const slope = medianInPlace(slopes, pairs);
  // Intercept at the last point: the median of each point's value carried along the line.
  for (let k = 0; k < count; k += 1) slopes[k] = (ys[k] as number) - slope * (xs[k] as number);
  return { level: medianInPlace(slopes, count), slope };
}

/** The trend window: at least the horizon (a line is only as good as the span it was drawn on). */
export function trendWindow(length: number, seasonPeriod: number, horizon: number): number {
  let window = Math.min(length, Math.max(horizon, MIN_WINDOW));
  if (seasonPeriod > 0 && window >= seasonPeriod) window -= window % seasonPeriod;
  return window;
}

export const robustTrendModel: ForecastModel = {
  method: 'robust-trend',
  appliesTo: () => true,
  predict(values, seasonPeriod, out) {
    const line = theilSenTrend(values, trendWindow(values.length, seasonPeriod, out.length));
    for (let h = 0; h < out.length; h += 1) out[h] = line.level + line.slope * (h + 1);
  },
};
