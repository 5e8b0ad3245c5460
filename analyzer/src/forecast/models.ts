/** Every forecasting model, simplest first: on a tie in validation the simpler one wins. */
import { dampedTrendModel, holtWintersModel } from './exponential-smoothing.ts';
import type { ForecastModel } from './model.ts';
import { robustTrendModel } from './robust-trend.ts';
import { naiveModel, seasonalNaiveModel } from './seasonal-naive.ts';

export const FORECAST_MODELS: readonly ForecastModel[] = [
  naiveModel,
  seasonalNaiveModel,
  dampedTrendModel,
  holtWintersModel,
  robustTrendModel,
];
