/** Time-series primitives shared by detection, forecasting and the API: pure, over typed arrays. */
export { counterToRate } from './counter-rate.ts';
export { medianSpacing, type RegularizeOptions, type RegularSeries, regularize } from './regularize.ts';
export {
  autocorrelation,
  detectSeasonality,
  type SeasonalityCandidate,
  type SeasonalityOptions,
  seasonalityCandidates,
} from './seasonality.ts';
