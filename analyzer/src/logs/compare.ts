/**
 * What changed in an instance's logs between a baseline window and the current one, from a miner that
 * counted both: patterns never seen before, patterns whose rate surged, and a surge of error-level lines.
 *
 * Significance: under "nothing changed", a pattern's n = baseline + current lines fall in the current
 * window with probability p = current length / (baseline length + current length), so the current count
 * is Binomial(n, p) (the conditional test of two Poisson rates); the p-value is its upper tail. It does
 * not fire on small counts: 3 lines against 0, with windows of equal length, happen by chance 1 time in
 * 8. Surges are also tested with Bonferroni's correction over the patterns tested, and need a minimum
 * count and a rate ratio over a floored baseline rate (half a line per baseline window), so a pattern
 * going from 1 line to 3 is not a surge.
 *
 * Strength in [0, 1] = severity weight × √(evidence × effect): evidence = −log10(p) / 8 (capped at 1),
 * effect = ln(ratio) / ln(100) (capped at 1), weight = 1 for error lines, 0.75 for warnings, 0.5 for the rest.
 */
import type { LogLine } from '@kubestack/plugin-sdk';
import { gammaln } from 'simple-statistics';
import { ERROR_FAMILY, type LevelFamily, levelFamilyIndex, levelMix, WARN_FAMILY } from './levels.ts';
import { BASELINE, CURRENT, type PatternCluster, type TemplateMiner } from './templates.ts';

/** A time range in ms since the epoch. */
export interface Span {
  from: number;
  to: number;
}

export interface CompareOptions {
  /** Current lines a pattern absent from the baseline needs to be reported as new. */
  minNewCount: number;
  /** Largest p-value for a new pattern: how likely the baseline missed it by chance. */
  newSignificance: number;
  /** Current lines a surge needs (per pattern, and of the error family). */
  minSurgeCount: number;
  /** Smallest ratio of current rate to (floored) baseline rate for a surge. */
  minRatio: number;
  /** Largest p-value for a surge, after correction for the number of patterns tested. */
  significance: number;
  /** Items kept per list, strongest first. */
  maxItems: number;
}

export const DEFAULT_COMPARE_OPTIONS: CompareOptions = {
  minNewCount: 3,
  newSignificance: 0.05,
  minSurgeCount: 10,
  minRatio: 3,
  significance: 0.01,
  maxItems: 10,
};

/** Rates, counts and test of one change; rates are lines per minute. */
export interface RateChange {
  /** In [0, 1]: how strongly this points at a problem. */
  strength: number;
  /** When it started (ms): first line for a new pattern, estimated start of the rise for a surge. */
  onset: number;
  baselineCount: number;
  currentCount: number;
  baselineRatePerMinute: number;
  currentRatePerMinute: number;
  /** Current rate / baseline rate, the baseline floored at half a line per baseline window. */
  ratio: number;
  pValue: number;
  /** Current-window lines per level family. */
  levels: Partial<Record<LevelFamily, number>>;
  /** A few current-window lines. */
  samples: LogLine[];
}

export interface PatternChange extends RateChange {
  id: string;
  template: string;
  /** First and last line in the current window (ms). */
  firstSeen: number;
  lastSeen: number;
}

export interface ErrorSurge extends RateChange {
  /** The pattern with the most current error lines (`patterns[0]`); empty when none is left. */
  id: string;
  template: string;
  /** The patterns with the most current error lines. */
  patterns: Array<{ id: string; template: string; currentCount: number; baselineCount: number }>;
}

export interface LogComparison {
  newPatterns: PatternChange[];
  surgingPatterns: PatternChange[];
  errorSurge: ErrorSurge | null;
}

const MINUTE_MS = 60_000;
/** −log10(p) at which the evidence counts fully. */
const EVIDENCE_SATURATION = 8;
/** Rate ratio at which the effect counts fully. */
const RATIO_SATURATION = 100;
const TOP_ERROR_PATTERNS = 3;
const SAMPLES = 3;

/**
 * Compares the current window with the baseline for one instance. `spans` are the time ranges the miner
 * actually saw (shorter than asked when a read was truncated): rates are per minute of those.
 */
export function compareWindows(
  miner: TemplateMiner,
  spans: { baseline: Span; current: Span },
  options: Partial<CompareOptions> = {},
): LogComparison {
  const settings = { ...DEFAULT_COMPARE_OPTIONS, ...options };
  const baselineMinutes = (spans.baseline.to - spans.baseline.from) / MINUTE_MS;
  const currentMinutes = (spans.current.to - spans.current.from) / MINUTE_MS;
  if (!(baselineMinutes > 0 && currentMinutes > 0)) return { newPatterns: [], surgingPatterns: [], errorSurge: null };
  const rates = new RateTest(baselineMinutes, currentMinutes);
  const onsets = new OnsetFinder(miner, spans.current);

  const clusters = [...miner.clusters];
  const surgeCandidates = clusters.filter(
    (cluster) => (cluster.counts[BASELINE] ?? 0) > 0 && (cluster.counts[CURRENT] ?? 0) >= settings.minSurgeCount,
  );
  const newPatterns: PatternChange[] = [];
  for (const cluster of clusters) {
    if ((cluster.counts[BASELINE] ?? 0) > 0 || cluster.baselineForgotten) continue;
    if ((cluster.counts[CURRENT] ?? 0) < settings.minNewCount) continue;
    const change = patternChange(cluster, rates, cluster.firstSeen);
    if (change.pValue <= settings.newSignificance) newPatterns.push(change);
  }
  const surgingPatterns: PatternChange[] = [];
  for (const cluster of surgeCandidates) {
    const change = patternChange(cluster, rates, Number.NaN);
    const corrected = Math.min(1, change.pValue * surgeCandidates.length);
    if (change.ratio < settings.minRatio || corrected > settings.significance) continue;
    change.onset = onsets.of(cluster.buckets, change, cluster.firstSeen);
    surgingPatterns.push(change);
  }
  return {
    newPatterns: strongest(newPatterns, settings.maxItems),
    surgingPatterns: strongest(surgingPatterns, settings.maxItems),
    errorSurge: errorSurge(miner, clusters, rates, onsets, settings),
  };
}

function patternChange(cluster: PatternCluster, rates: RateTest, onset: number): PatternChange {
  const baselineCount = cluster.counts[BASELINE] ?? 0;
  const currentCount = cluster.counts[CURRENT] ?? 0;
  const levels = cluster.levels[CURRENT];
  const test = rates.test(baselineCount, currentCount);
  return {
    id: cluster.id,
    template: cluster.template,
    ...test,
    strength: severityWeight(levels) * test.strength,
    onset,
    firstSeen: cluster.firstSeen,
    lastSeen: cluster.lastSeen,
    levels: levelMix(levels),
    samples: [...cluster.samples[CURRENT]],
  };
}

function errorSurge(
  miner: TemplateMiner,
  clusters: readonly PatternCluster[],
  rates: RateTest,
  onsets: OnsetFinder,
  settings: CompareOptions,
): ErrorSurge | null {
  const baselineCount = miner.levels[BASELINE][ERROR_FAMILY] ?? 0;
  const currentCount = miner.levels[CURRENT][ERROR_FAMILY] ?? 0;
  if (currentCount < settings.minSurgeCount) return null;
  const test = rates.test(baselineCount, currentCount);
  if (test.ratio < settings.minRatio || test.pValue > settings.significance) return null;
  const errorsIn = (cluster: PatternCluster, window: number) => cluster.levels[window]?.[ERROR_FAMILY] ?? 0;
  const withErrors = clusters
    .filter((cluster) => errorsIn(cluster, CURRENT) > 0)
    .sort((a, b) => errorsIn(b, CURRENT) - errorsIn(a, CURRENT));
  const firstError = withErrors.reduce(
    (first, cluster) => Math.min(first, cluster.firstSeen),
    Number.POSITIVE_INFINITY,
  );
  const samples = withErrors
    .slice(0, TOP_ERROR_PATTERNS)
    .flatMap((cluster) => cluster.samples[CURRENT].filter((line) => levelFamilyIndex(line.level) === ERROR_FAMILY));
  const top = withErrors[0];
  return {
    ...test,
    id: top?.id ?? '',
    template: top?.template ?? '',
    onset: onsets.of(miner.errorBuckets, test, firstError),
    levels: levelMix(miner.levels[CURRENT]),
    samples: samples.slice(0, SAMPLES),
    patterns: withErrors.slice(0, TOP_ERROR_PATTERNS).map((cluster) => ({
      id: cluster.id,
      template: cluster.template,
      currentCount: errorsIn(cluster, CURRENT),
      baselineCount: errorsIn(cluster, BASELINE),
    })),
  };
}

/** The test of one count pair against the windows' lengths. */
class RateTest {
  readonly #baselineMinutes: number;
  readonly #currentMinutes: number;
  /** Probability that a line falls in the current window when nothing changed. */
  readonly #currentShare: number;
  readonly #floorRate: number;

  constructor(baselineMinutes: number, currentMinutes: number) {
    this.#baselineMinutes = baselineMinutes;
    this.#currentMinutes = currentMinutes;
    this.#currentShare = currentMinutes / (baselineMinutes + currentMinutes);
    this.#floorRate = 0.5 / baselineMinutes;
  }

  test(baselineCount: number, currentCount: number): Omit<RateChange, 'onset' | 'levels' | 'samples'> {
    const baselineRatePerMinute = baselineCount / this.#baselineMinutes;
    const currentRatePerMinute = currentCount / this.#currentMinutes;
    const ratio = currentRatePerMinute / Math.max(baselineRatePerMinute, this.#floorRate);
    const pValue = binomialUpperTail(currentCount, baselineCount + currentCount, this.#currentShare);
    const evidence = clamp01(-Math.log10(pValue) / EVIDENCE_SATURATION);
    const effect = clamp01(Math.log(ratio) / Math.log(RATIO_SATURATION));
    return {
      baselineCount,
      currentCount,
      baselineRatePerMinute,
      currentRatePerMinute,
      ratio,
      pValue,
      strength: Math.sqrt(evidence * effect),
    };
  }
}

/**
 * Where a rise starts in the current window's time buckets: the start of the CUSUM run (reference
 * halfway between the baseline and current rates) that reaches the highest sum: the classic change-point
 * estimate. Never before the first line seen; the first line itself when buckets were not kept.
 */
class OnsetFinder {
  readonly #from: number;
  readonly #bucketMs: number;
  readonly #lastBucket: number;
  /** When nothing better is known: the start of the part of the current window that was read. */
  readonly #fallback: number;

  constructor(miner: TemplateMiner, seen: Span) {
    const window = miner.options.current;
    const buckets = miner.options.buckets;
    this.#from = window?.from ?? 0;
    this.#bucketMs = window ? (window.to - window.from) / buckets : 0;
    // A truncated read saw nothing after `seen.to`: those empty buckets are not a fall.
    const last = this.#bucketMs > 0 ? Math.floor((seen.to - this.#from) / this.#bucketMs) : -1;
    this.#lastBucket = Math.min(Math.max(last, 0), buckets - 1);
    this.#fallback = seen.from;
  }

  of(
    buckets: Uint32Array | undefined,
    change: Pick<RateChange, 'baselineRatePerMinute' | 'currentRatePerMinute' | 'ratio'>,
    firstSeen: number,
  ): number {
    if (!buckets || !(this.#bucketMs > 0)) return Number.isFinite(firstSeen) ? firstSeen : this.#fallback;
    const perBucket = this.#bucketMs / MINUTE_MS;
    // The floored baseline rate, as in the ratio.
    const baseline = (change.currentRatePerMinute / change.ratio) * perBucket;
    const reference = (baseline + change.currentRatePerMinute * perBucket) / 2;
    let sum = 0;
    let best = 0;
    let runStart = 0;
    let bestStart = 0;
    for (let i = 0; i <= this.#lastBucket; i += 1) {
      if (sum === 0) runStart = i;
      sum = Math.max(0, sum + (buckets[i] ?? 0) - reference);
      if (sum > best) {
        best = sum;
        bestStart = runStart;
      }
    }
    const onset = this.#from + bestStart * this.#bucketMs;
    return Number.isFinite(firstSeen) ? Math.max(onset, firstSeen) : onset;
  }
}

/** P(X ≥ k) for X ~ Binomial(n, p), summed in log space from the mode outwards so tiny tails stay exact. */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n || p <= 0) return 0;
  if (p >= 1) return 1;
  const logPmf = (i: number) =>
    gammaln(n + 1) - gammaln(i + 1) - gammaln(n - i + 1) + i * Math.log(p) + (n - i) * Math.log1p(-p);
  const odds = p / (1 - p);
  if (k > n * p) {
    // Terms shrink from k upwards.
    const first = logPmf(k);
    let term = 1;
    let sum = 1;
    for (let i = k; i < n && term > sum * 1e-16; i += 1) {
      term *= ((n - i) / (i + 1)) * odds;
      sum += term;
    }
    return Math.min(1, Math.exp(first) * sum);
  }
  // Below the mean: 1 − P(X ≤ k − 1), whose terms shrink from k − 1 downwards.
  const first = logPmf(k - 1);
  let term = 1;
  let sum = 1;
  for (let i = k - 1; i > 0 && term > sum * 1e-16; i -= 1) {
    term *= i / (n - i + 1) / odds;
    sum += term;
  }
  return Math.max(0, 1 - Math.exp(first) * sum);
}

/** 1 for error lines, 0.75 for warnings, 0.5 for the rest, averaged over the lines. */
function severityWeight(levels: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < levels.length; i += 1) total += levels[i] ?? 0;
  if (total === 0) return 0.5;
  const errors = levels[ERROR_FAMILY] ?? 0;
  const warnings = levels[WARN_FAMILY] ?? 0;
  return 0.5 + (0.5 * errors + 0.25 * warnings) / total;
}

function strongest<T extends PatternChange>(changes: T[], limit: number): T[] {
  return changes.sort((a, b) => b.strength - a.strength || b.currentCount - a.currentCount).slice(0, limit);
}

function clamp01(value: number): number {
  return Number.isNaN(value) ? 0 : Math.min(1, Math.max(0, value));
}
