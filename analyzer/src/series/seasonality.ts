/**
 * Automatic daily / weekly (optionally hourly) seasonality by autocorrelation, for the forecasters and
 * the detector. Pure; O(n log n) per candidate period (the autocorrelation goes through an FFT).
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;

/** In-place iterative radix-2 FFT; `inverse` computes the unscaled inverse. Length is a power of two. */
function fft(real: Float64Array, imag: Float64Array, inverse: boolean): void {
  const n = real.length;
  for (let i = 1, j = 0; i < n; i += 1) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const re = real[i] as number;
      real[i] = real[j] as number;
      real[j] = re;
      const im = imag[i] as number;
      imag[i] = imag[j] as number;
      imag[j] = im;
    }
  }
  for (let size = 2; size <= n; size <<= 1) {
    const angle = ((inverse ? 2 : -2) * Math.PI) / size;
    const stepRe = Math.cos(angle);
    const stepIm = Math.sin(angle);
    const half = size >> 1;
    for (let start = 0; start < n; start += size) {
      let wRe = 1;
      let wIm = 0;
      for (let k = 0; k < half; k += 1) {
        const a = start + k;
        const b = a + half;
        const bRe = real[b] as number;
        const bIm = imag[b] as number;
        const tRe = bRe * wRe - bIm * wIm;
        const tIm = bRe * wIm + bIm * wRe;
        real[b] = (real[a] as number) - tRe;
        imag[b] = (imag[a] as number) - tIm;
        real[a] = (real[a] as number) + tRe;
        imag[a] = (imag[a] as number) + tIm;
        const nextRe = wRe * stepRe - wIm * stepIm;
        wIm = wRe * stepIm + wIm * stepRe;
        wRe = nextRe;
      }
    }
  }
}

/**
 * Sample autocorrelation r(0..maxLag) of a series around its mean (the usual biased estimator, so
 * |r| ≤ 1). Missing values (NaN) count as the mean, i.e. contribute nothing. All zeros for a constant
 * series.
 */
export function autocorrelation(values: Float64Array, maxLag: number): Float64Array {
  const n = values.length;
  const lags = Math.max(0, Math.min(maxLag, n - 1));
  const result = new Float64Array(lags + 1);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < n; i += 1) {
    const value = values[i] as number;
    if (Number.isFinite(value)) {
      sum += value;
      count += 1;
    }
  }
  if (count === 0) return result;
  const mean = sum / count;
  let size = 1;
  while (size < 2 * n) size <<= 1; // zero padding: a linear, not circular, correlation
  const real = new Float64Array(size);
  const imag = new Float64Array(size);
  for (let i = 0; i < n; i += 1) {
    const value = values[i] as number;
    real[i] = Number.isFinite(value) ? value - mean : 0;
  }
  fft(real, imag, false);
  for (let i = 0; i < size; i += 1) {
    const re = real[i] as number;
    const im = imag[i] as number;
    real[i] = re * re + im * im;
    imag[i] = 0;
  }
  fft(real, imag, true);
  const zeroLag = real[0] as number;
  if (!(zeroLag > 1e-12 * size * (mean * mean + 1))) return result;
  for (let lag = 0; lag <= lags; lag += 1) result[lag] = (real[lag] as number) / zeroLag;
  return result;
}

/**
 * The series minus its moving average over one candidate period: trend and level shifts go, a cycle of
 * that period stays (the average of a full cycle is flat). Windows are clamped inside the series so
 * every one spans a full period.
 */
function removeMovingAverage(values: Float64Array, period: number): Float64Array {
  const n = values.length;
  const sums = new Float64Array(n + 1);
  const counts = new Int32Array(n + 1);
  for (let i = 0; i < n; i += 1) {
    const value = values[i] as number;
    const finite = Number.isFinite(value);
    sums[i + 1] = (sums[i] as number) + (finite ? value : 0);
    counts[i + 1] = (counts[i] as number) + (finite ? 1 : 0);
  }
  const detrended = new Float64Array(n);
  const half = period >> 1;
  for (let i = 0; i < n; i += 1) {
    const value = values[i] as number;
    const from = Math.min(Math.max(0, i - half), n - period);
    const count = (counts[from + period] as number) - (counts[from] as number);
    detrended[i] =
      Number.isFinite(value) && count > 0
        ? value - ((sums[from + period] as number) - (sums[from] as number)) / count
        : Number.NaN;
  }
  return detrended;
}

export interface SeasonalityOptions {
  /** Also consider an hourly cycle (off by default: it is rarely real and easily confused with noise). */
  includeHourly?: boolean;
  /** Smallest autocorrelation at the period that counts as a season (default 0.2). */
  minStrength?: number;
}

export interface SeasonalityCandidate {
  periodPoints: number;
  strength: number;
  significant: boolean;
}

/**
 * Scores each candidate period (hour, day, week in points of `stepMs`) that fits at least twice in the
 * series. Strength is the autocorrelation at the period after removing the moving average over the
 * period. It is significant when it is at least `minStrength`, beats Bartlett's 95 % bar for white-ish
 * noise given the lower lags (the test used by Hyndman's forecast package), and is a peak: higher than
 * at half the period, where a real cycle is at its trough.
 */
export function seasonalityCandidates(
  values: Float64Array,
  stepMs: number,
  options: SeasonalityOptions = {},
): SeasonalityCandidate[] {
  const n = values.length;
  const periodsMs = options.includeHourly ? [HOUR_MS, DAY_MS, WEEK_MS] : [DAY_MS, WEEK_MS];
  const minStrength = options.minStrength ?? 0.2;
  const candidates: SeasonalityCandidate[] = [];
  if (!(stepMs > 0)) return candidates;
  for (const periodMs of periodsMs) {
    const period = Math.round(periodMs / stepMs);
    if (period < 4 || 2 * period > n) continue;
    const acf = autocorrelation(removeMovingAverage(values, period), period);
    const strength = acf[period] as number;
    let sumSquares = 0;
    for (let lag = 1; lag < period; lag += 1) sumSquares += (acf[lag] as number) ** 2;
    const bar = 1.645 * Math.sqrt((1 + 2 * sumSquares) / n);
    const trough = acf[period >> 1] as number;
    candidates.push({
      periodPoints: period,
      strength,
      significant: strength >= minStrength && strength > bar && strength > trough,
    });
  }
  return candidates;
}

/**
 * The season of a regular series in points (0 = none): the significant candidate with the strongest
 * autocorrelation, the shorter one unless the longer is clearly stronger (a daily cycle is also weekly).
 * Needs at least two full periods of data for a candidate to be considered.
 */
export function detectSeasonality(values: Float64Array, stepMs: number, options: SeasonalityOptions = {}): number {
  let best: SeasonalityCandidate | undefined;
  for (const candidate of seasonalityCandidates(values, stepMs, options)) {
    if (!candidate.significant) continue;
    if (!best || candidate.strength > best.strength + 0.05) best = candidate;
  }
  return best?.periodPoints ?? 0;
}
