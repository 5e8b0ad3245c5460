/**
 * Streaming anomaly scores in [0, 1] for one series: pure, O(n) over typed arrays, no allocation per
 * point. Each point's surprise is its distance from an exponentially weighted forecast, in units of the
 * recent spread; like NAB's "anomaly likelihood", what is scored is a short-term average of surprise
 * against the long-term distribution of surprise, so only a sustained or extreme departure from what
 * the series usually does scores high. A series needs no training beyond its own warm-up.
 */

export interface ScoreOptions {
  /** Smoothing of the forecast level (per point). */
  levelAlpha: number;
  /** Smoothing of the spread estimate of residuals. */
  spreadAlpha: number;
  /** Points averaged for the short-term surprise. */
  shortWindow: number;
  /** Smoothing of the long-term mean and variance of surprise. */
  longAlpha: number;
  /** Points before any score other than 0. */
  warmUp: number;
  /** A point scores fully only if its surprise beats every one of this many points before it. */
  suppress: number;
}

/** One configuration for every series (tuned on NAB's standard profile; see docs/benchmarks.md). */
export const DEFAULT_SCORE_OPTIONS: ScoreOptions = {
  levelAlpha: 0.1,
  spreadAlpha: 0.02,
  shortWindow: 1,
  longAlpha: 0.01,
  warmUp: 100,
  suppress: 300,
};

export function anomalyScores(values: Float64Array, options: ScoreOptions = DEFAULT_SCORE_OPTIONS): Float64Array {
  const n = values.length;
  const scores = new Float64Array(n);
  if (n === 0) return scores;
  // Sliding maximum of recent raw scores: a deque of indices with decreasing scores (O(1) amortised).
  const raw = new Float64Array(n);
  const deque = new Int32Array(n);
  let head = 0;
  let tail = 0;
  const ring = new Float64Array(options.shortWindow);
  let ringSum = 0;
  let level = values[0] as number;
  let spread = 0;
  let longMean = 0;
  let longVar = 0;
  let seen = 0;
  for (let i = 0; i < n; i += 1) {
    const value = values[i] as number;
    if (!Number.isFinite(value)) continue;
    const residual = value - level;
    // Spread floor: a constant series would make any change infinitely surprising.
    const scale = Math.sqrt(spread) + 1e-9 * (Math.abs(level) + 1);
    const surprise = Math.min(Math.abs(residual) / scale, 50);
    spread += options.spreadAlpha * (residual * residual - spread);
    level += options.levelAlpha * residual;

    const slot = seen % options.shortWindow;
    ringSum += surprise - (ring[slot] as number);
    ring[slot] = surprise;
    seen += 1;
    const short = ringSum / Math.min(seen, options.shortWindow);
    const deviation = short - longMean;
    longMean += options.longAlpha * deviation;
    longVar += options.longAlpha * (deviation * deviation - longVar);
    if (seen <= options.warmUp) continue;
    const z = deviation / Math.sqrt(longVar + 1e-12);
    // Non-saturating and monotone in z: the benchmark's threshold search needs the order, not a probability.
    const score = z <= 0 ? 0 : z / (1 + z);
    // Streaming non-maximum suppression: an event is reported once, when it first peaks.
    while (head < tail && (deque[head] as number) < i - options.suppress) head += 1;
    const peak = head < tail ? (raw[deque[head] as number] as number) : 0;
    raw[i] = score;
    while (head < tail && (raw[deque[tail - 1] as number] as number) <= score) tail -= 1;
    deque[tail] = i;
    tail += 1;
    scores[i] = score > peak ? score : score * 0.25;
  }
  return scores;
}
