/**
 * bench:forecast — rolling-origin evaluation of forecast() and timeToThreshold() on the NAB
 * realAWSCloudwatch and realKnownCause series (see docs/benchmarks.md for the protocol).
 *
 * Accuracy: every series is put on its regular grid (median spacing). The horizon is 24 h (288 points
 * at 5 minutes). Ten origins, half a horizon apart, end at the last point that leaves a full horizon.
 * At each origin forecast() sees only the raw samples before it; the baseline is the seasonal naive
 * forecast with a one-day season (the data's natural frequency, not our detector's verdict). MASE uses
 * the in-sample one-day seasonal naive error of the history as its scale (as in M4);
 * relative_mase is the geometric mean over series of (our MASE / the baseline's MASE). Coverage counts
 * every observed actual at every origin and step, pooled.
 *
 * Crossing: on each series' 1-hour trailing mean, the level at time t is the maximum of everything up
 * to 24 h before t plus 10 % of that history's range (minimum − 10 % for a fall). The first t where the
 * smoothed series reaches its level (with at least 3 days of history) is the real crossing; 24 h
 * before it, timeToThreshold() on the smoothed history predicts it with a 48 h horizon. Error =
 * |predicted − real| / 24 h; "not within the horizon" counts as predicted at the horizon's end.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type ForecastMethod, forecast, naiveScale, seasonalNaive, timeToThreshold } from '../../src/forecast/index.ts';
import { type RegularSeries, regularize } from '../../src/series/index.ts';
import { readSeries } from '../nab/corpus.ts';

const DATA_DIR = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'data', 'nab', 'data');
const CATEGORIES = ['realAWSCloudwatch', 'realKnownCause'];
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const HORIZON_MS = DAY_MS;
const ORIGINS = 10;
const CROSSING_MARGIN = 0.1;
const CROSSING_MIN_HISTORY_MS = 3 * DAY_MS;
const CROSSING_LOOKAHEAD_MS = 2 * DAY_MS;

interface Accuracy {
  oursMase: number;
  baselineMase: number;
  inside80: number;
  inside95: number;
  actuals: number;
  methods: ForecastMethod[];
}

/** Number of raw samples at or before `time` (raw timestamps are ascending but for rare repeats). */
function samplesUpTo(timestamps: Float64Array, time: number): number {
  let low = 0;
  let high = timestamps.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((timestamps[middle] as number) <= time) low = middle + 1;
    else high = middle;
  }
  return low;
}

function evaluateAccuracy(raw: { timestamps: Float64Array; values: Float64Array }, grid: RegularSeries): Accuracy {
  const horizon = Math.round(HORIZON_MS / grid.stepMs);
  const season = Math.round(DAY_MS / grid.stepMs);
  const stride = Math.max(1, Math.floor(horizon / 2));
  const baseline = new Float64Array(horizon);
  const result: Accuracy = { oursMase: 0, baselineMase: 0, inside80: 0, inside95: 0, actuals: 0, methods: [] };
  let scored = 0;
  for (let k = ORIGINS - 1; k >= 0; k -= 1) {
    const origin = grid.values.length - horizon - k * stride;
    if (origin < 2 * season) continue; // the baseline needs a season of history, its scale two
    const history = grid.values.subarray(0, origin);
    const scale = naiveScale(history, season);
    if (!(scale > 0)) continue;
    const seen = samplesUpTo(raw.timestamps, grid.timestamps[origin - 1] as number);
    const ours = forecast(
      { timestamps: raw.timestamps.subarray(0, seen), values: raw.values.subarray(0, seen) },
      { horizonPoints: horizon, stepMs: grid.stepMs },
    );
    seasonalNaive(history, season, baseline);
    let oursError = 0;
    let baselineError = 0;
    let count = 0;
    for (let h = 0; h < horizon; h += 1) {
      const actual = grid.values[origin + h] as number;
      if (!Number.isFinite(actual)) continue;
      oursError += Math.abs(actual - (ours.mean[h] as number));
      baselineError += Math.abs(actual - (baseline[h] as number));
      count += 1;
      if (actual >= (ours.lower80[h] as number) && actual <= (ours.upper80[h] as number)) result.inside80 += 1;
      if (actual >= (ours.lower95[h] as number) && actual <= (ours.upper95[h] as number)) result.inside95 += 1;
    }
    if (count === 0) continue;
    result.actuals += count;
    result.oursMase += oursError / count / scale;
    result.baselineMase += baselineError / count / scale;
    result.methods.push(ours.method);
    scored += 1;
  }
  result.oursMase /= scored;
  result.baselineMase /= scored;
  return result;
}

/** Trailing mean over `window` points, skipping NaN (NaN when the window holds no value). */
function trailingMean(values: Float64Array, window: number): Float64Array {
  const means = new Float64Array(values.length);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < values.length; i += 1) {
    const entering = values[i] as number;
    if (Number.isFinite(entering)) {
      sum += entering;
      count += 1;
    }
    const leaving = i >= window ? (values[i - window] as number) : Number.NaN;
    if (Number.isFinite(leaving)) {
      sum -= leaving;
      count -= 1;
    }
    means[i] = count > 0 ? sum / count : Number.NaN;
  }
  return means;
}

interface CrossingEvent {
  direction: 'above' | 'below';
  origin: number;
  crossing: number;
  limit: number;
}

/** The first crossing in each direction, per the definition at the top of this file. */
function crossingEvents(smoothed: Float64Array, stepMs: number): CrossingEvent[] {
  const lead = Math.round(HORIZON_MS / stepMs);
  const minHistory = Math.round(CROSSING_MIN_HISTORY_MS / stepMs);
  const events: CrossingEvent[] = [];
  for (const direction of ['above', 'below'] as const) {
    let max = Number.NEGATIVE_INFINITY;
    let min = Number.POSITIVE_INFINITY;
    for (let t = 0; t < smoothed.length; t += 1) {
      const origin = t - lead;
      if (origin < 0) continue;
      const entering = smoothed[origin] as number;
      if (Number.isFinite(entering)) {
        max = Math.max(max, entering);
        min = Math.min(min, entering);
      }
      if (origin < minHistory) continue;
      const range = max - min;
      const limit = direction === 'above' ? max + CROSSING_MARGIN * range : min - CROSSING_MARGIN * range;
      const value = smoothed[t] as number;
      if (range > 0 && (direction === 'above' ? value >= limit : value <= limit)) {
        events.push({ direction, origin: origin + 1, crossing: t, limit });
        break;
      }
    }
  }
  return events;
}

interface CrossingOutcome {
  /** |predicted − real| / 24 h. */
  error: number;
  /** The expected path crossed within the look-ahead. */
  warned: boolean;
  /** At least the pessimistic 95 % bound crossed within the look-ahead. */
  flagged: boolean;
}

function crossingOutcomes(grid: RegularSeries): CrossingOutcome[] {
  const smoothed = trailingMean(grid.values, Math.max(1, Math.round(HOUR_MS / grid.stepMs)));
  return crossingEvents(smoothed, grid.stepMs).map((event) => {
    const originMs = grid.timestamps[event.origin - 1] as number;
    const crossingMs = grid.timestamps[event.crossing] as number;
    const prediction = timeToThreshold(
      { timestamps: grid.timestamps.subarray(0, event.origin), values: smoothed.subarray(0, event.origin) },
      { limit: event.limit, direction: event.direction, horizonMs: CROSSING_LOOKAHEAD_MS, stepMs: grid.stepMs },
    );
    const predictedMs =
      prediction.status === 'crossing'
        ? prediction.at
        : prediction.status === 'already-crossed'
          ? originMs
          : originMs + CROSSING_LOOKAHEAD_MS;
    return {
      error: Math.abs(predictedMs - crossingMs) / DAY_MS,
      warned: prediction.status === 'crossing',
      flagged:
        prediction.status === 'crossing' ||
        (prediction.status === 'not-within-horizon' && prediction.earliest !== undefined),
    };
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

const started = performance.now();
const files = CATEGORIES.flatMap((category) =>
  readdirSync(join(DATA_DIR, category))
    .filter((file) => file.endsWith('.csv'))
    .sort()
    .map((file) => join(DATA_DIR, category, file)),
);
let logRatioSum = 0;
let ratios = 0;
let inside80 = 0;
let inside95 = 0;
let actuals = 0;
const crossings: CrossingOutcome[] = [];
const methodCounts = new Map<ForecastMethod, number>();
for (const file of files) {
  const fileStarted = performance.now();
  const raw = readSeries(file);
  const grid = regularize(raw.timestamps, raw.values);
  const accuracy = evaluateAccuracy(raw, grid);
  const ratio = accuracy.oursMase / accuracy.baselineMase;
  if (Number.isFinite(ratio) && ratio > 0) {
    logRatioSum += Math.log(ratio);
    ratios += 1;
  }
  inside80 += accuracy.inside80;
  inside95 += accuracy.inside95;
  actuals += accuracy.actuals;
  for (const method of accuracy.methods) methodCounts.set(method, (methodCounts.get(method) ?? 0) + 1);
  const fileCrossings = crossingOutcomes(grid);
  crossings.push(...fileCrossings);
  process.stderr.write(
    `${basename(file).padEnd(48)} MASE ${accuracy.oursMase.toFixed(3)} vs sNaive ${accuracy.baselineMase.toFixed(3)}` +
      ` (×${ratio.toFixed(2)})  cover80 ${((100 * accuracy.inside80) / accuracy.actuals).toFixed(0)}%` +
      ` cover95 ${((100 * accuracy.inside95) / accuracy.actuals).toFixed(0)}%` +
      `  crossings ${fileCrossings.map((crossing) => `${(100 * crossing.error).toFixed(0)}%`).join(' ') || '-'}` +
      `  ${(performance.now() - fileStarted).toFixed(0)} ms\n`,
  );
}
process.stderr.write(
  `methods chosen: ${[...methodCounts].map(([method, count]) => `${method} ${count}`).join(', ')}; ` +
    `${crossings.length} crossing events, ${crossings.filter((crossing) => crossing.warned).length} predicted within ` +
    `48 h by the mean path, ${crossings.filter((crossing) => crossing.flagged).length} by the pessimistic 95 % bound; ` +
    `${((performance.now() - started) / 1000).toFixed(1)} s\n`,
);
const round = (value: number, digits: number) => Number(value.toFixed(digits));
console.log(
  JSON.stringify({
    relative_mase: round(Math.exp(logRatioSum / ratios), 3),
    coverage80: round((100 * inside80) / actuals, 1),
    coverage95: round((100 * inside95) / actuals, 1),
    crossing_error_24h_pct:
      crossings.length > 0 ? round(100 * median(crossings.map((crossing) => crossing.error)), 1) : null,
    series: files.length,
  }),
);
