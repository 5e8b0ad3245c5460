/**
 * Streaming anomaly scores in [0, 1]: a point is anomalous when some view of the series goes where it
 * has not been before. Four views are watched — the value itself, its moving mean (level), its moving
 * standard deviation (variance, both ways) and, when the series is seasonal, the smoothed distance
 * from the same phase one season ago — each against two ranges: everything seen so far and the recent
 * `memory` points. The score says how rare the excursion is, in tiers:
 *
 * - [2/3, 1): the value is beyond anything the series has ever done;
 * - [1/3, 2/3): beyond the recent range, or a level / variance / season view beyond its all-time range;
 * - (0, 1/3): a level / variance / season view beyond its recent range.
 *
 * Within a tier the overshoot (as a fraction of the range) orders points. An excursion is reported
 * once, when it starts or when it grows past what was last reported, so a long incident is one event.
 * No training set: the series' own warm-up is its baseline. O(1) per point, fixed memory.
 */
import { SlidingExtremes } from './extremes.ts';

export interface ScoreOptions {
  /** Points before any score (the series' own baseline); they are still learnt. */
  warmUp: number;
  /** Length of the recent range, in points. */
  memory: number;
  /** Points in the moving mean and moving standard deviation. */
  window: number;
  /** After a report, points during which only a larger excursion is reported again. */
  suppress: number;
  /** Season length in points, 0 when the series has none. */
  seasonPeriod: number;
  /** Points over which the distance from last season's value is smoothed. */
  seasonSmoothing: number;
}

/** One configuration for every series, chosen on NAB (docs/benchmarks.md); warmUp is set per series. */
export const DEFAULT_SCORE_OPTIONS: Omit<ScoreOptions, 'warmUp' | 'seasonPeriod'> = {
  memory: 1500,
  window: 12,
  suppress: 100,
  seasonSmoothing: 12,
};

/** NAB's probationary period, also a sane default baseline: 15 % of the series, at most 750 points. */
export function defaultWarmUp(length: number): number {
  return Math.min(Math.floor(0.15 * length), 750);
}

/** What a view is: which excursion it measures. */
export const VIEWS = ['value', 'level', 'variance', 'season'] as const;
export type View = (typeof VIEWS)[number];

const TIERS = 3;
/** Level, variance and season excursions rank one tier below the value's. */
const DERIVED_WEIGHT = 0.5;

/** What the last pushed point did, kept in fields so that a hot loop allocates nothing. */
export interface PointState {
  /** Reported score (0 while an excursion already reported has not grown). */
  score: number;
  /** The point's excursion score before reporting rules (0 when no view is out of range). */
  surprise: number;
  /** Index into VIEWS of the strongest excursion, -1 if none. */
  view: number;
  /** +1 above the range, -1 below. */
  direction: number;
  /** The value's recent range before this point: what was expected. */
  expectedLow: number;
  expectedHigh: number;
  /** How far the strongest view went beyond its range, as a fraction of that range (Infinity from a flat range). */
  overshoot: number;
}

class View1 {
  readonly recent: SlidingExtremes;
  allMin = Number.POSITIVE_INFINITY;
  allMax = Number.NEGATIVE_INFINITY;

  constructor(memory: number) {
    this.recent = new SlidingExtremes(memory);
  }

  push(value: number): void {
    this.recent.push(value);
    if (value < this.allMin) this.allMin = value;
    if (value > this.allMax) this.allMax = value;
  }
}

export class StreamingScorer {
  readonly options: ScoreOptions;
  readonly state: PointState = {
    score: 0,
    surprise: 0,
    view: -1,
    direction: 0,
    expectedLow: Number.NaN,
    expectedHigh: Number.NaN,
    overshoot: 0,
  };
  readonly #views: View1[];
  readonly #ring: Float64Array;
  readonly #season: Float64Array;
  #sum = 0;
  #sumSquares = 0;
  #anchor = Number.NaN;
  #seasonDistance = 0;
  #previous = Number.NaN;
  #repeats = 0;
  #seen = 0;
  #lastReport = Number.NEGATIVE_INFINITY;
  #lastReported = 0;

  constructor(options: ScoreOptions) {
    for (const key of ['warmUp', 'memory', 'window', 'suppress', 'seasonPeriod', 'seasonSmoothing'] as const) {
      const value = options[key];
      if (!Number.isInteger(value) || value < 0) throw new RangeError(`${key} must be a non-negative integer`);
    }
    if (options.memory < 1 || options.window < 2) throw new RangeError('memory must be ≥ 1 and window ≥ 2');
    this.options = options;
    this.#views = VIEWS.map(() => new View1(options.memory));
    this.#ring = new Float64Array(options.window);
    this.#season = new Float64Array(Math.max(options.seasonPeriod, 1));
  }

  /** Learns one point and scores it; read `state` for the details. A non-finite value is a gap. */
  push(value: number): number {
    const state = this.state;
    state.score = 0;
    state.surprise = 0;
    state.view = -1;
    state.direction = 0;
    state.overshoot = 0;
    const views = this.#views;
    const valueView = views[0] as View1;
    state.expectedLow = valueView.recent.size > 0 ? valueView.recent.min : Number.NaN;
    state.expectedHigh = valueView.recent.size > 0 ? valueView.recent.max : Number.NaN;
    if (!Number.isFinite(value)) return 0;
    const { window, seasonPeriod, seasonSmoothing, warmUp } = this.options;
    const index = this.#seen;
    this.#seen += 1;

    // Moving mean and standard deviation, around an anchor so that large values keep their precision.
    if (Number.isNaN(this.#anchor)) this.#anchor = value;
    const centred = value - this.#anchor;
    const slot = index % window;
    const leaving = this.#ring[slot] as number;
    this.#sum += centred - leaving;
    this.#sumSquares += centred * centred - leaving * leaving;
    this.#ring[slot] = centred;
    const count = Math.min(index + 1, window);
    const mean = this.#sum / count;
    const level = mean + this.#anchor;
    // A window of identical values has no spread at all; the running sums would leave rounding dust.
    this.#repeats = value === this.#previous ? this.#repeats + 1 : 0;
    this.#previous = value;
    const spread = this.#repeats >= window - 1 ? 0 : Math.sqrt(Math.max(0, this.#sumSquares / count - mean * mean));

    let seasonReady = false;
    if (seasonPeriod > 0) {
      const seasonSlot = index % seasonPeriod;
      if (index >= seasonPeriod) {
        const distance = Math.abs(value - (this.#season[seasonSlot] as number));
        this.#seasonDistance += (distance - this.#seasonDistance) / seasonSmoothing;
        seasonReady = index >= 2 * seasonPeriod;
      }
      this.#season[seasonSlot] = value;
    }

    const scoring = index >= warmUp;
    const derivedReady = index >= 3 * window;
    let best = 0;
    if (scoring) {
      best = this.#excursion(0, value, true, 1);
      if (derivedReady) {
        best = Math.max(best, this.#excursion(1, level, true, DERIVED_WEIGHT));
        best = Math.max(best, this.#excursion(2, spread, true, DERIVED_WEIGHT));
      }
      if (seasonReady) best = Math.max(best, this.#excursion(3, this.#seasonDistance, false, DERIVED_WEIGHT));
    }
    valueView.push(value);
    if (derivedReady) {
      (views[1] as View1).push(level);
      (views[2] as View1).push(spread);
    }
    if (seasonReady) (views[3] as View1).push(this.#seasonDistance);

    if (best <= 0) return 0;
    state.surprise = best;
    if (index - this.#lastReport > this.options.suppress || best > this.#lastReported) {
      this.#lastReport = index;
      this.#lastReported = best;
      state.score = best;
    }
    return state.score;
  }

  /** The tier score of one view's current value, recording it in `state` if it is the strongest yet. */
  #excursion(viewIndex: number, current: number, bothWays: boolean, weight: number): number {
    const view = this.#views[viewIndex] as View1;
    if (view.recent.size === 0) return 0;
    const high = view.recent.max;
    const low = view.recent.min;
    const above = current - high;
    const below = bothWays ? low - current : Number.NEGATIVE_INFINITY;
    const over = Math.max(above, below);
    // Rounding noise (a cycle's peak one ulp higher than last time) is not an excursion.
    if (!(over > 1e-9 * (high - low + Math.abs(current)))) return 0;
    const allTime = current > view.allMax || (bothWays && current < view.allMin);
    const range = allTime ? view.allMax - view.allMin : high - low;
    // A spread that collapses to exactly zero (a frozen series: stuck exporter, dead sensor) is as far
    // as a spread can go, however small its range was.
    const frozen = viewIndex === 2 && current === 0;
    const fraction = range > 0 && !frozen ? over / range : Number.POSITIVE_INFINITY;
    const tier = allTime ? 2 : 1;
    const score = ((tier + 0.99 * Math.tanh(fraction)) * weight) / TIERS;
    const state = this.state;
    if (score > state.surprise) {
      state.surprise = score;
      state.view = viewIndex;
      state.direction = above >= below ? 1 : -1;
      state.overshoot = fraction;
    }
    return score;
  }
}

/** Complete scorer options for a series of `length` points: defaults, then `overrides`. */
export function scoreOptionsFor(length: number, overrides: Partial<ScoreOptions> = {}): ScoreOptions {
  return { ...DEFAULT_SCORE_OPTIONS, warmUp: defaultWarmUp(length), seasonPeriod: 0, ...overrides };
}

/** Scores a whole series (batch use of the streaming scorer). */
export function anomalyScores(values: Float64Array, options: Partial<ScoreOptions> = {}): Float64Array {
  const scorer = new StreamingScorer(scoreOptionsFor(values.length, options));
  const scores = new Float64Array(values.length);
  for (let i = 0; i < values.length; i += 1) scores[i] = scorer.push(values[i] as number);
  return scores;
}
