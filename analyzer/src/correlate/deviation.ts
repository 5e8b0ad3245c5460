/**
 * How far a series left its baseline inside the window, in robust z-scores oriented so that "bad" is
 * positive. Works on a handful of points (a 5-minute panel over 20 minutes) as well as on thousands: the
 * baseline is the points before the window, or a level and spread the caller knows from longer history.
 * Pure, O(n) but for the median of the baseline.
 */
import type { BadDirection } from '@kubestack/plugin-sdk';
import { medianInPlace } from '../forecast/robust-trend.ts';
import type { CorrelationWindow, ObservedSeries } from './model.ts';

/** MAD × 1.4826 and mean absolute deviation × 1.2533 both estimate σ of normal noise. */
const MAD_TO_SIGMA = 1.4826;
const MEAN_ABSOLUTE_TO_SIGMA = 1.2533;
/** Fewer baseline points than this give no spread worth trusting. */
const MIN_SPREAD_POINTS = 3;

export interface DeviationSettings {
  /** Smallest spread as a fraction of |center|. */
  minRelativeScale: number;
  /** How far the peak z must go beyond the noise maximum of the window for the series to count as anomalous. */
  thresholdZ: number;
  /** Excess z at which strength is 1/2. */
  halfStrengthZ: number;
  /** Onset: first window point reaching this fraction of the peak z (and the threshold). */
  onsetFraction: number;
  /** Detector score from which a point is anomalous, when the series carries detector scores. */
  detectorThreshold: number;
}

export interface Deviation {
  center: number;
  scale: number;
  /** Oriented z of every point (bad direction positive; |z| for `both`); NaN where the value is missing. */
  z: Float64Array;
  /** Index of the first point inside the window (times.length when none is). */
  windowStart: number;
  /** Index past the last point inside the window. */
  windowEnd: number;
  /** Largest oriented z inside the window (0 when none is finite). */
  peakZ: number;
  /** The peak z beyond what noise alone reaches over the window's points (see `noiseMaximum`). */
  excessZ: number;
  /** Oriented change at the peak, in the series' unit. */
  peakChange: number;
  /** In [0, 1]; 0 when the series never reaches the threshold. */
  strength: number;
  anomalous: boolean;
  /** First time the series went wrong inside the window, when it did. */
  onsetMs: number | undefined;
}

/**
 * About the largest z pure noise reaches over `points` points (the expected maximum of that many normal
 * draws, √(2 ln n)). A peak is judged by how far it goes beyond this, so that one threshold means the same
 * over a 4-point window as over a 500-point one, where some point always strays past 3σ.
 */
export function noiseMaximum(points: number): number {
  return points > 1 ? Math.sqrt(2 * Math.log(points)) : 0;
}

/** `x` oriented so that bad is positive. */
function orient(change: number, direction: BadDirection): number {
  if (direction === 'up') return change;
  if (direction === 'down') return -change;
  return Math.abs(change);
}

/** First index whose time is ≥ `time` (times ascending). */
export function lowerBound(times: Float64Array, time: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((times[middle] as number) < time) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Robust level and spread (σ of normal noise) of the finite values in `values[0..end)`; the spread is 0
 * with fewer than three values.
 */
export function robustBaseline(
  values: Float64Array,
  end = values.length,
): { center: number; spread: number; count: number } {
  const scratch = new Float64Array(end);
  let count = 0;
  for (let i = 0; i < end; i += 1) {
    const value = values[i] as number;
    if (Number.isFinite(value)) scratch[count++] = value;
  }
  if (count === 0) return { center: Number.NaN, spread: 0, count };
  const center = medianInPlace(scratch, count);
  if (count < MIN_SPREAD_POINTS) return { center, spread: 0, count };
  let absoluteSum = 0;
  for (let i = 0; i < count; i += 1) {
    const distance = Math.abs((scratch[i] as number) - center);
    scratch[i] = distance;
    absoluteSum += distance;
  }
  const mad = medianInPlace(scratch, count);
  // The MAD is 0 when more than half the baseline is one value (100 % availability): the mean absolute
  // deviation still sees the rare dips.
  return { center, spread: Math.max(MAD_TO_SIGMA * mad, (MEAN_ABSOLUTE_TO_SIGMA * absoluteSum) / count), count };
}

export function deviation(series: ObservedSeries, window: CorrelationWindow, settings: DeviationSettings): Deviation {
  const { times, values, badDirection } = series;
  if (times.length !== values.length) {
    throw new RangeError(`times (${times.length}) and values (${values.length}) differ in length`);
  }
  const windowStart = lowerBound(times, window.startMs);
  const windowEnd = lowerBound(times, window.endMs + 1);
  const own = robustBaseline(values, windowStart);
  const center = series.baseline?.center ?? own.center;
  const scale = Math.max(
    series.baseline?.scale ?? 0,
    own.spread,
    settings.minRelativeScale * Math.abs(center),
    Number.MIN_VALUE,
  );
  const z = new Float64Array(times.length);
  let peakZ = 0;
  let peakChange = 0;
  let windowPoints = 0;
  for (let i = 0; i < times.length; i += 1) {
    const value = values[i] as number;
    const change =
      Number.isFinite(value) && Number.isFinite(center) ? orient(value - center, badDirection) : Number.NaN;
    z[i] = change / scale;
    if (i < windowStart || i >= windowEnd || Number.isNaN(change)) continue;
    windowPoints += 1;
    if ((z[i] as number) > peakZ) {
      peakZ = z[i] as number;
      peakChange = change;
    }
  }
  const allowance = noiseMaximum(windowPoints);
  const excessZ = Math.max(0, peakZ - allowance);
  let anomalous = windowPoints > 0 && peakZ - allowance >= settings.thresholdZ;
  let strength = !anomalous ? 0 : Number.isFinite(excessZ) ? excessZ / (excessZ + settings.halfStrengthZ) : 1;
  let onsetMs: number | undefined;
  if (anomalous) {
    const onsetZ = Math.max(settings.thresholdZ + allowance, settings.onsetFraction * peakZ);
    for (let i = windowStart; i < windowEnd; i += 1) {
      if ((z[i] as number) >= onsetZ) {
        onsetMs = times[i] as number;
        break;
      }
    }
  }
  // The streaming detector sees seasonality and long history that a z-score does not: either may flag it.
  const scores = series.scores;
  if (scores !== undefined) {
    for (let i = windowStart; i < windowEnd; i += 1) {
      const score = scores[i] as number;
      if (!(score >= settings.detectorThreshold)) continue;
      anomalous = true;
      if (score > strength) strength = score;
      const time = times[i] as number;
      if (onsetMs === undefined || time < onsetMs) onsetMs = time;
    }
  }
  return { center, scale, z, windowStart, windowEnd, peakZ, excessZ, peakChange, strength, anomalous, onsetMs };
}
