/** The one interface every forecasting model implements; the models are registered in `models.ts`. */

export type ForecastMethod = 'naive' | 'seasonal-naive' | 'damped-trend' | 'holt-winters' | 'robust-trend';

export interface ForecastModel {
  readonly method: ForecastMethod;
  /** Whether the model is a candidate for a series with this season (0 = none). */
  appliesTo(seasonPeriod: number): boolean;
  /**
   * Fits on `values` (a regular grid, NaN = missing, at least one finite value) and writes the mean
   * forecast for the `out.length` steps after its last point into `out`.
   */
  predict(values: Float64Array, seasonPeriod: number, out: Float64Array): void;
}

/** The last finite value, or NaN. */
export function lastFinite(values: Float64Array): number {
  for (let i = values.length - 1; i >= 0; i -= 1) {
    const value = values[i] as number;
    if (Number.isFinite(value)) return value;
  }
  return Number.NaN;
}
