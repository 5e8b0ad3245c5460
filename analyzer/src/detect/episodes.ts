/**
 * Anomaly episodes: the points of one excursion grouped into a span with a kind, the band the series
 * was expected to stay in, and how far it went. Pure; one pass of the streaming scorer.
 */
import { linearRegression, linearRegressionLine, rSquared } from 'simple-statistics';
import { type ScoreOptions, StreamingScorer, scoreOptionsFor, VIEWS } from './score.ts';

export const EPISODE_KINDS = [
  'spike',
  'dip',
  'level_shift',
  'trend_change',
  'variance_change',
  'seasonality_break',
] as const;
export type EpisodeKind = (typeof EPISODE_KINDS)[number];

export interface Episode {
  /** Indices of the first and last anomalous points, and of the strongest. */
  start: number;
  end: number;
  peak: number;
  /** Highest score in the episode. */
  score: number;
  kind: EpisodeKind;
  direction: 'up' | 'down';
  /** The range the series kept over the recent past, just before the episode. */
  expected: { low: number; high: number };
  /** The most extreme value of the episode in its direction. */
  extremeValue: number;
  /** How far that value lies outside the expected band, in the series' unit (0 inside it). */
  magnitude: number;
}

export interface Detection {
  scores: Float64Array;
  episodes: Episode[];
  warmUp: number;
  seasonPeriod: number;
}

/**
 * Default threshold: the score from which a point opens an episode. Scores from 1/3 up mean a value
 * beyond its recent range or a level / variance / season beyond its all-time range (score.ts); 0.4
 * asks the latter to overshoot by about 40 % of their range, which keeps noise quiet. NAB's standard
 * profile puts its optimum lower, at 0.35, because it rewards recall (docs/benchmarks.md).
 */
export const DEFAULT_THRESHOLD = 0.4;

/**
 * Default smallest overshoot, as a fraction of the range left, that opens an episode: a noisy series
 * sets a new record now and then by a hair, which is rare but not news.
 */
export const DEFAULT_MIN_OVERSHOOT = 0.1;

export interface DetectOptions extends Partial<ScoreOptions> {
  threshold?: number;
  minOvershoot?: number;
}

/** Scores a regular series and groups its anomalous points into episodes. NaN values are gaps. */
export function detectAnomalies(values: Float64Array, options: DetectOptions = {}): Detection {
  const { threshold = DEFAULT_THRESHOLD, minOvershoot = DEFAULT_MIN_OVERSHOOT, ...overrides } = options;
  const scorerOptions = scoreOptionsFor(values.length, overrides);
  const scorer = new StreamingScorer(scorerOptions);
  const { state } = scorer;
  const n = values.length;
  const scores = new Float64Array(n);
  const episodes: Episode[] = [];
  // An episode stays open while some view is out of range at least once every `window` points.
  const gap = scorerOptions.window;
  let open: { episode: Episode; view: number; lastOut: number } | undefined;
  for (let i = 0; i < n; i += 1) {
    scores[i] = scorer.push(values[i] as number);
    const surprise = state.surprise;
    if (open && surprise > 0) {
      open.lastOut = i;
      open.episode.end = i;
      if (surprise > open.episode.score) {
        open.episode.score = surprise;
        open.episode.peak = i;
      }
    }
    if (open && i - open.lastOut >= gap) {
      episodes.push(finish(open.episode, open.view, values, gap));
      open = undefined;
    }
    if (!open && surprise >= threshold && state.overshoot >= minOvershoot) {
      open = {
        view: state.view,
        lastOut: i,
        episode: {
          start: i,
          end: i,
          peak: i,
          score: surprise,
          kind: 'spike',
          direction: state.direction >= 0 ? 'up' : 'down',
          expected: { low: state.expectedLow, high: state.expectedHigh },
          extremeValue: values[i] as number,
          magnitude: 0,
        },
      };
    }
  }
  if (open) episodes.push(finish(open.episode, open.view, values, gap));
  return { scores, episodes, warmUp: scorerOptions.warmUp, seasonPeriod: scorerOptions.seasonPeriod };
}

/** Settles an episode's kind, extreme value and magnitude once its span is known. */
function finish(episode: Episode, view: number, values: Float64Array, window: number): Episode {
  const up = episode.direction === 'up';
  let extreme = up ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  for (let i = episode.start; i <= episode.end; i += 1) {
    const value = values[i] as number;
    if (!Number.isFinite(value)) continue;
    if (up ? value > extreme : value < extreme) extreme = value;
  }
  episode.extremeValue = extreme;
  const { low, high } = episode.expected;
  episode.magnitude = Number.isFinite(low) ? Math.max(0, up ? extreme - high : low - extreme) : 0;
  episode.kind = kindOf(VIEWS[view] ?? 'value', episode, values, window);
  return episode;
}

function kindOf(view: (typeof VIEWS)[number], episode: Episode, values: Float64Array, window: number): EpisodeKind {
  if (view === 'season') return 'seasonality_break';
  if (view === 'variance') return 'variance_change';
  const length = episode.end - episode.start + 1;
  if (view === 'value' && length <= window) return episode.direction === 'up' ? 'spike' : 'dip';
  return isTrend(values, episode.start, episode.end, window) ? 'trend_change' : 'level_shift';
}

/** A sustained excursion is a trend when a straight line explains most of it (R² ≥ 0.8). */
function isTrend(values: Float64Array, start: number, end: number, window: number): boolean {
  if (end - start + 1 < 2 * window) return false;
  const points: Array<[number, number]> = [];
  for (let i = start; i <= end; i += 1) if (Number.isFinite(values[i] as number)) points.push([i, values[i] as number]);
  if (points.length < 2 * window) return false;
  const line = linearRegressionLine(linearRegression(points));
  return rSquared(points, line) >= 0.8;
}
