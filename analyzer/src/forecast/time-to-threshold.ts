/**
 * When will a resource reach its limit (Redis memory and maxmemory, connections and max_connections, a
 * queue and its max length, a disk and its size)? The forecast's mean path gives the expected time;
 * the pessimistic edge of its 95 % interval gives the earliest, the optimistic edge the latest.
 */
import { regularize } from '../series/index.ts';
import { type ForecastResult, forecast, type TimeSeries } from './forecast.ts';
import type { ForecastMethod } from './model.ts';

export interface TimeToThresholdOptions {
  limit: number;
  /** 'above': the value grows toward the limit (memory); 'below': it shrinks toward it (free space). */
  direction: 'above' | 'below';
  /** How far ahead to look, ms. */
  horizonMs: number;
  /** Grid step; default the median spacing of the samples. */
  stepMs?: number;
  /** A forecast of this same series already made (e.g. to show it): reused instead of computing another. */
  forecast?: ForecastResult;
}

export type TimeToThreshold =
  | {
      status: 'crossing';
      /** Expected crossing, ms epoch. */
      at: number;
      /** Crossing of the pessimistic 95 % bound. */
      earliest: number;
      /** Crossing of the optimistic 95 % bound; undefined when that bound stays clear within the horizon. */
      latest: number | undefined;
      method: ForecastMethod;
    }
  | {
      status: 'already-crossed';
      /** Start of the latest run of samples at or past the limit, ms epoch. */
      since: number;
    }
  | {
      status: 'not-within-horizon';
      /** Set when the expected path stays clear but the pessimistic bound crosses: possible, not expected. */
      earliest?: number;
      method: ForecastMethod;
    };

/**
 * First time the piecewise-linear path from (`startMs`, `startValue`) through (times[h], path[h])
 * reaches the limit, interpolated between points; undefined if it does not.
 */
function firstCrossing(
  startMs: number,
  startValue: number,
  times: Float64Array,
  path: Float64Array,
  limit: number,
  sign: number,
): number | undefined {
  let previousTime = startMs;
  let previous = sign * (startValue - limit);
  for (let h = 0; h < path.length; h += 1) {
    const time = times[h] as number;
    const current = sign * ((path[h] as number) - limit);
    if (current >= 0) {
      const fraction = current === previous ? 1 : -previous / (current - previous);
      return previousTime + Math.min(1, Math.max(0, fraction)) * (time - previousTime);
    }
    previousTime = time;
    previous = current;
  }
  return undefined;
}

/**
 * Throws what forecast() throws (InsufficientDataError for too short a series) and RangeError for a
 * non-positive or non-finite horizon or limit.
 */
export function timeToThreshold(series: TimeSeries, options: TimeToThresholdOptions): TimeToThreshold {
  const { limit, direction, horizonMs } = options;
  if (!Number.isFinite(limit)) throw new RangeError(`limit must be finite, got ${limit}`);
  if (!(horizonMs > 0) || !Number.isFinite(horizonMs)) throw new RangeError(`horizonMs must be positive`);
  const sign = direction === 'above' ? 1 : -1;
  const { timestamps, values } = series;

  // Already past the limit: the last observed sample says so; `since` is where that run began.
  let last = -1;
  for (let i = values.length - 1; i >= 0; i -= 1) {
    if (Number.isFinite(values[i] as number)) {
      last = i;
      break;
    }
  }
  if (last >= 0 && sign * ((values[last] as number) - limit) >= 0) {
    let since = last;
    for (let i = last - 1; i >= 0; i -= 1) {
      const value = values[i] as number;
      if (!Number.isFinite(value)) continue;
      if (sign * (value - limit) < 0) break;
      since = i;
    }
    return { status: 'already-crossed', since: timestamps[since] as number };
  }

  const result = options.forecast ?? forecastOver(series, horizonMs, options.stepMs);
  const startMs = (result.timestamps[0] as number) - result.stepMs;
  const startValue = last >= 0 ? (values[last] as number) : Number.NaN;
  const endMs = startMs + horizonMs;
  const pessimistic = direction === 'above' ? result.upper95 : result.lower95;
  const optimistic = direction === 'above' ? result.lower95 : result.upper95;
  const within = (time: number | undefined) => (time !== undefined && time <= endMs ? time : undefined);
  const at = within(firstCrossing(startMs, startValue, result.timestamps, result.mean, limit, sign));
  const earliest = within(firstCrossing(startMs, startValue, result.timestamps, pessimistic, limit, sign));
  if (at === undefined) {
    return earliest === undefined
      ? { status: 'not-within-horizon', method: result.method }
      : { status: 'not-within-horizon', earliest, method: result.method };
  }
  const latest = within(firstCrossing(startMs, startValue, result.timestamps, optimistic, limit, sign));
  return { status: 'crossing', at, earliest: earliest ?? at, latest, method: result.method };
}

/** A forecast covering `horizonMs` on the series' own grid (or `stepMs`). */
function forecastOver(
  series: TimeSeries,
  horizonMs: number,
  stepMs = regularize(series.timestamps, series.values).stepMs,
): ForecastResult {
  return forecast(series, { horizonPoints: Math.max(1, Math.ceil(horizonMs / stepMs)), stepMs });
}
