/** The benchmark every other model must beat: repeat the last season, or the last value without one. */
import { type ForecastModel, lastFinite } from './model.ts';

/** Writes the seasonal naive forecast (naive when `seasonPeriod` is 0) into `out`. */
export function seasonalNaive(values: Float64Array, seasonPeriod: number, out: Float64Array): void {
  const last = lastFinite(values);
  const n = values.length;
  for (let h = 0; h < out.length; h += 1) {
    if (seasonPeriod <= 0) {
      out[h] = last;
      continue;
    }
    // Same phase one season back; further back when that point is missing.
    let index = n - seasonPeriod + (h % seasonPeriod);
    while (index >= 0 && !Number.isFinite(values[index] as number)) index -= seasonPeriod;
    out[h] = index >= 0 ? (values[index] as number) : last;
  }
}

export const naiveModel: ForecastModel = {
  method: 'naive',
  appliesTo: (seasonPeriod) => seasonPeriod === 0,
  predict: (values, _seasonPeriod, out) => seasonalNaive(values, 0, out),
};

export const seasonalNaiveModel: ForecastModel = {
  method: 'seasonal-naive',
  appliesTo: (seasonPeriod) => seasonPeriod > 0,
  predict: seasonalNaive,
};
