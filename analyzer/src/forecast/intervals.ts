/**
 * Prediction intervals from the chosen model's own rolling-origin errors. The error scale grows with
 * the horizon as a power law a·h^b fitted to the mean absolute error per horizon band (b = 0.5 is a
 * random walk, 0 a stationary series), and the band edges are empirical quantiles of the errors in
 * units of that scale. So the width follows what the model actually got wrong on this series, skew
 * included, and extends past the validation horizon along the fitted growth.
 */
import { quantileSorted } from 'simple-statistics';

export interface IntervalCalibration {
  /** Mean absolute error one step ahead (a of a·h^b). */
  scale: number;
  /** Growth exponent b, within [0, 1]. */
  growth: number;
  /** Quantiles of error / scale(h): 2.5 %, 10 %, 90 %, 97.5 %. */
  q025: number;
  q10: number;
  q90: number;
  q975: number;
}

const DEFAULT_GROWTH = 0.5;
/** z(0.975) / z(0.9) of the normal distribution. */
const NORMAL_95_OVER_80 = 1.959964 / 1.281552;

/**
 * Calibrates from `errors` (actual − forecast), `origins` rows of `horizon` steps, NaN where the actual
 * was missing.
 */
export function calibrateIntervals(errors: Float64Array, origins: number, horizon: number): IntervalCalibration {
  // Mean absolute error per band of horizons 1, 2–3, 4–7, 8–15 … (log2 bands, even weight per band).
  const bands = Math.floor(Math.log2(horizon)) + 1;
  const bandSums = new Float64Array(bands);
  const bandCounts = new Float64Array(bands);
  for (let o = 0; o < origins; o += 1) {
    for (let h = 1; h <= horizon; h += 1) {
      const error = errors[o * horizon + h - 1] as number;
      if (!Number.isFinite(error)) continue;
      const band = Math.floor(Math.log2(h));
      bandSums[band] = (bandSums[band] as number) + Math.abs(error);
      bandCounts[band] = (bandCounts[band] as number) + 1;
    }
  }
  // Least squares of log(mae) on log(h) at each band's geometric centre.
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  let points = 0;
  for (let band = 0; band < bands; band += 1) {
    const count = bandCounts[band] as number;
    const mae = count > 0 ? (bandSums[band] as number) / count : 0;
    if (!(mae > 0)) continue;
    const lastH = Math.min(horizon, 2 ** (band + 1) - 1);
    const x = Math.log(Math.sqrt(2 ** band * lastH));
    const y = Math.log(mae);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
    points += 1;
  }
  if (points === 0) return { scale: 0, growth: 0, q025: 0, q10: 0, q90: 0, q975: 0 };
  const spread = sxx - (sx * sx) / points;
  const growth =
    points >= 2 && spread > 1e-12 ? Math.min(1, Math.max(0, (sxy - (sx * sy) / points) / spread)) : DEFAULT_GROWTH;
  const scale = Math.exp((sy - growth * sx) / points);

  const normalised: number[] = [];
  for (let o = 0; o < origins; o += 1) {
    for (let h = 1; h <= horizon; h += 1) {
      const error = errors[o * horizon + h - 1] as number;
      if (Number.isFinite(error)) normalised.push(error / (scale * h ** growth));
    }
  }
  normalised.sort((a, b) => a - b);
  // An interval that leaves out its own mean forecast would be unreadable: each edge stays on its side.
  const q10 = Math.min(0, quantileSorted(normalised, 0.1));
  const q90 = Math.max(0, quantileSorted(normalised, 0.9));
  // The 2.5 % tails rest on a handful of origins' worth of errors and come out short: each 95 % edge
  // reaches at least as far as a normal distribution through the 80 % edge would put it.
  return {
    scale,
    growth,
    q025: Math.min(0, quantileSorted(normalised, 0.025), q10 * NORMAL_95_OVER_80),
    q10,
    q90,
    q975: Math.max(0, quantileSorted(normalised, 0.975), q90 * NORMAL_95_OVER_80),
  };
}

export interface PredictionBands {
  lower80: Float64Array;
  upper80: Float64Array;
  lower95: Float64Array;
  upper95: Float64Array;
}

export function predictionBands(mean: Float64Array, calibration: IntervalCalibration): PredictionBands {
  const horizon = mean.length;
  const bands: PredictionBands = {
    lower80: new Float64Array(horizon),
    upper80: new Float64Array(horizon),
    lower95: new Float64Array(horizon),
    upper95: new Float64Array(horizon),
  };
  for (let h = 1; h <= horizon; h += 1) {
    const center = mean[h - 1] as number;
    const width = calibration.scale * h ** calibration.growth;
    bands.lower80[h - 1] = center + calibration.q10 * width;
    bands.upper80[h - 1] = center + calibration.q90 * width;
    bands.lower95[h - 1] = center + calibration.q025 * width;
    bands.upper95[h - 1] = center + calibration.q975 * width;
  }
  return bands;
}
