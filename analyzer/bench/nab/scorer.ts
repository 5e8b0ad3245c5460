/**
 * A faithful port of the Numenta Anomaly Benchmark scorer (NAB v1.1, nab/sweeper.py), pure: data in,
 * scores out. Subtle parts kept as NAB has them: the probationary period is min(floor(0.15·n), 750)
 * rows; window edges are inclusive; only the earliest detection in a window counts (the sweep score
 * decreases through a window, so the window's best score is its earliest detection); a false positive
 * costs by its distance past the previous window; a missed window costs fnWeight.
 */

export interface CostProfile {
  tpWeight: number;
  fpWeight: number;
  fnWeight: number;
}

/** A labelled anomaly window, as [first, last] timestamps (inclusive), in ms since the epoch. */
export type Window = readonly [number, number];

/** Per scorable row: its weighted sweep score, and the window it is in (-1 outside any window). */
export interface Sweep {
  /** Row index where scoring starts (after the probationary period). */
  start: number;
  weighted: Float64Array;
  window: Int32Array;
  /** Windows that contain at least one scorable row. */
  windows: number;
}

export function probationaryLength(rows: number): number {
  return Math.min(Math.floor(0.15 * rows), 750);
}

function scaledSigmoid(position: number): number {
  return position > 3 ? -1 : 2 / (1 + Math.exp(5 * position)) - 1;
}

const MAX_TP = scaledSigmoid(-1);

/** The weighted score each row would earn as a detection, as NAB's calcSweepScore computes it. */
export function sweep(timestamps: Float64Array, windows: readonly Window[], profile: CostProfile): Sweep {
  const rows = timestamps.length;
  const start = probationaryLength(rows);
  const weighted = new Float64Array(rows);
  const window = new Int32Array(rows).fill(-1);
  let next = 0;
  let current = -1;
  let currentRight = -1;
  let currentWidth = 0;
  let previousRight = -1;
  let previousWidth = 0;
  const scorableWindows = new Set<number>();
  for (let i = 0; i < rows; i += 1) {
    const time = timestamps[i] as number;
    const upcoming = windows[next];
    if (current < 0 && upcoming !== undefined && time === upcoming[0]) {
      current = next;
      next += 1;
      currentRight = indexOf(timestamps, upcoming[1], i);
      currentWidth = currentRight - i + 1;
    }
    if (current >= 0) {
      weighted[i] = (scaledSigmoid(-(currentRight - i + 1) / currentWidth) * profile.tpWeight) / MAX_TP;
      window[i] = current;
      if (i >= start) scorableWindows.add(current);
    } else {
      const unweighted = previousRight < 0 ? -1 : scaledSigmoid(Math.abs(previousRight - i) / (previousWidth - 1));
      weighted[i] = unweighted * profile.fpWeight;
    }
    if (current >= 0 && i === currentRight) {
      previousRight = i;
      previousWidth = currentWidth;
      current = -1;
    }
  }
  return { start, weighted, window, windows: scorableWindows.size };
}

/** NAB's score of one file at one threshold: a row is a detection when its anomaly score ≥ threshold. */
export function scoreAtThreshold(
  result: Sweep,
  anomalyScores: Float64Array,
  threshold: number,
  profile: CostProfile,
): { score: number; tp: number; fp: number } {
  let fpScore = 0;
  let tp = 0;
  let fp = 0;
  const best = new Map<number, number>();
  for (let i = result.start; i < anomalyScores.length; i += 1) {
    if ((anomalyScores[i] as number) < threshold) continue;
    const window = result.window[i] as number;
    const weighted = result.weighted[i] as number;
    if (window < 0) {
      fp += 1;
      fpScore += weighted;
    } else {
      tp += 1;
      best.set(window, Math.max(best.get(window) ?? Number.NEGATIVE_INFINITY, weighted));
    }
  }
  let score = fpScore - profile.fnWeight * (result.windows - best.size);
  for (const value of best.values()) score += value;
  return { score, tp, fp };
}

/** Scores normalised as NAB does: 0 for the null detector (no detections), 100 for the perfect one. */
export function normalize(raw: number, windows: number, profile: CostProfile): number {
  const nullScore = -profile.fnWeight * windows;
  const perfect = profile.tpWeight * windows;
  return (100 * (raw - nullScore)) / (perfect - nullScore);
}

function indexOf(timestamps: Float64Array, time: number, from: number): number {
  for (let i = from; i < timestamps.length; i += 1) if (timestamps[i] === time) return i;
  throw new Error(`window edge ${new Date(time).toISOString()} is not a row timestamp`);
}

/** One file prepared for threshold search: its sweep, and its scorable rows at or above a floor. */
export interface Candidate {
  sweep: Sweep;
  scores: Float64Array;
}

/**
 * The threshold with the best total raw score over the given files, among `thresholds`: NAB's
 * protocol of one threshold per profile for a whole corpus (NAB itself hill-climbs; trying every
 * candidate is exact among them).
 */
export function bestThreshold(
  files: readonly Candidate[],
  thresholds: readonly number[],
  profile: CostProfile,
): { threshold: number; raw: number } {
  // Only rows that some candidate detects can change a score: keep those, once.
  const floor = Math.min(...thresholds);
  const sparse = files.map((file) => {
    const rows: number[] = [];
    for (let i = file.sweep.start; i < file.scores.length; i += 1)
      if ((file.scores[i] as number) >= floor) rows.push(i);
    return { file, rows };
  });
  let best = { threshold: Number.POSITIVE_INFINITY, raw: Number.NEGATIVE_INFINITY };
  const windowBest = new Map<number, number>();
  for (const threshold of thresholds) {
    let raw = 0;
    for (const { file, rows } of sparse) {
      windowBest.clear();
      let score = 0;
      for (const i of rows) {
        if ((file.scores[i] as number) < threshold) continue;
        const window = file.sweep.window[i] as number;
        const weighted = file.sweep.weighted[i] as number;
        if (window < 0) score += weighted;
        else windowBest.set(window, Math.max(windowBest.get(window) ?? Number.NEGATIVE_INFINITY, weighted));
      }
      score -= profile.fnWeight * (file.sweep.windows - windowBest.size);
      for (const value of windowBest.values()) score += value;
      raw += score;
    }
    if (raw > best.raw) best = { threshold, raw };
  }
  return best;
}

/** Candidate thresholds: the distinct values among the `count` highest scores (higher ones first). */
export function candidateThresholds(files: readonly Candidate[], count: number): number[] {
  const top: number[] = [];
  for (const { sweep: swept, scores } of files) {
    for (let i = swept.start; i < scores.length; i += 1) if ((scores[i] as number) > 0) top.push(scores[i] as number);
  }
  top.sort((a, b) => b - a);
  return [...new Set(top.slice(0, count))];
}
