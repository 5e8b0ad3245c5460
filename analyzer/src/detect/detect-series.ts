/**
 * Detection on a series as it comes from a panel or Prometheus: irregular timestamps, gaps, maybe a
 * counter. The series is put on an even grid (series/regularize), a counter becomes a per-second rate,
 * the season is found on the series itself, and the scorer and episode grouping run over the grid.
 * Pure.
 */
import { counterToRate, detectSeasonality, regularize } from '../series/index.ts';
import { DEFAULT_THRESHOLD, detectAnomalies, type EpisodeKind } from './episodes.ts';

export interface SeriesInput {
  /** Sample times, ms since the epoch, strictly ascending. */
  timestamps: Float64Array;
  values: Float64Array;
}

export interface SeriesDetectOptions {
  /** The values are a monotonic counter: score its per-second rate instead. */
  counter?: boolean;
  threshold?: number;
  /** Points learnt before any score; default 15 % of the grid, at most 750. */
  warmUp?: number;
}

export interface TimedEpisode {
  startMs: number;
  endMs: number;
  peakMs: number;
  score: number;
  kind: EpisodeKind;
  direction: 'up' | 'down';
  expected: { low: number; high: number };
  extremeValue: number;
  magnitude: number;
}

export interface SeriesDetection {
  stepMs: number;
  seasonPeriod: number;
  warmUp: number;
  threshold: number;
  /** The grid the series was scored on; values are rates for a counter, NaN in gaps. */
  timestamps: Float64Array;
  values: Float64Array;
  scores: Float64Array;
  episodes: TimedEpisode[];
}

export function detectSeries(input: SeriesInput, options: SeriesDetectOptions = {}): SeriesDetection {
  const grid = regularize(input.timestamps, input.values);
  const values = options.counter ? counterToRate(grid.timestamps, grid.values) : grid.values;
  const seasonPeriod = detectSeasonality(values, grid.stepMs);
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const detection = detectAnomalies(values, {
    threshold,
    seasonPeriod,
    ...(options.warmUp === undefined ? {} : { warmUp: options.warmUp }),
  });
  const at = (index: number) => grid.startMs + index * grid.stepMs;
  return {
    stepMs: grid.stepMs,
    seasonPeriod,
    warmUp: detection.warmUp,
    threshold,
    timestamps: grid.timestamps,
    values,
    scores: detection.scores,
    episodes: detection.episodes.map(({ start, end, peak, ...rest }) => ({
      startMs: at(start),
      endMs: at(end),
      peakMs: at(peak),
      ...rest,
    })),
  };
}
