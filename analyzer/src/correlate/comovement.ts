/**
 * Lagged co-movement: do a candidate's changes go with the target's, the candidate leading by up to a
 * bounded lag? Series are first put on the target's timestamps. Pure, O(n · lags).
 */
import { lowerBound } from './deviation.ts';

/** Fewer aligned pairs of changes than this say nothing about co-movement. */
export const MIN_CHANGE_PAIRS = 3;

/**
 * `values` (at `times`) sampled at each of `grid`'s times: the nearest sample within `tolerance` ms,
 * NaN when none is that close.
 */
export function alignTo(
  grid: Float64Array,
  times: Float64Array,
  values: Float64Array,
  tolerance: number,
): Float64Array {
  const aligned = new Float64Array(grid.length).fill(Number.NaN);
  if (times.length === 0) return aligned;
  let j = 0;
  for (let i = 0; i < grid.length; i += 1) {
    const time = grid[i] as number;
    while (j + 1 < times.length && (times[j + 1] as number) <= time) j += 1;
    let best = j;
    if (j + 1 < times.length && Math.abs((times[j + 1] as number) - time) < Math.abs((times[j] as number) - time)) {
      best = j + 1;
    }
    if (Math.abs((times[best] as number) - time) <= tolerance) aligned[i] = values[best] as number;
  }
  return aligned;
}

/** Pearson correlation of `lead[i - lag] - lead[i - lag - 1]` with `follow[i] - follow[i - 1]` over i in [from, to). */
function changeCorrelation(lead: Float64Array, follow: Float64Array, from: number, to: number, lag: number): number {
  let count = 0;
  let sumA = 0;
  let sumB = 0;
  let sumAA = 0;
  let sumBB = 0;
  let sumAB = 0;
  for (let i = Math.max(from, lag + 1); i < to; i += 1) {
    const a = (lead[i - lag] as number) - (lead[i - lag - 1] as number);
    const b = (follow[i] as number) - (follow[i - 1] as number);
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
    count += 1;
    sumA += a;
    sumB += b;
    sumAA += a * a;
    sumBB += b * b;
    sumAB += a * b;
  }
  if (count < MIN_CHANGE_PAIRS) return Number.NaN;
  const covariance = sumAB - (sumA * sumB) / count;
  const varianceA = sumAA - (sumA * sumA) / count;
  const varianceB = sumBB - (sumB * sumB) / count;
  // A series that did not change at all does not co-move with anything.
  if (!(varianceA > 0) || !(varianceB > 0)) return 0;
  return covariance / Math.sqrt(varianceA * varianceB);
}

/**
 * Highest correlation of changes, `lead` leading `follow` by 0 to `maxLag` steps, over the changes whose
 * later point lies in [from, to); negative correlations count as 0. NaN when no lag has enough pairs.
 */
export function laggedComovement(
  lead: Float64Array,
  follow: Float64Array,
  from: number,
  to: number,
  maxLag: number,
): number {
  let best = Number.NaN;
  for (let lag = 0; lag <= maxLag; lag += 1) {
    const correlation = changeCorrelation(lead, follow, from, to, lag);
    if (Number.isNaN(correlation)) continue;
    best = Number.isNaN(best) ? Math.max(0, correlation) : Math.max(best, correlation);
  }
  return best;
}

/** The index range of `grid` whose changes are compared: one step before the window through its end. */
export function comparedRange(grid: Float64Array, startMs: number, endMs: number): { from: number; to: number } {
  const start = lowerBound(grid, startMs);
  return { from: Math.max(1, start), to: lowerBound(grid, endMs + 1) };
}
