/** Root-cause correlation: rank instances as causes of a target's anomaly, with their evidence. Pure. */
export { alignTo, laggedComovement } from './comovement.ts';
export { type Deviation, type DeviationSettings, deviation, noiseMaximum, robustBaseline } from './deviation.ts';
export type {
  BadDirection,
  CandidateSignal,
  CorrelateInput,
  Correlation,
  CorrelationParameters,
  CorrelationTarget,
  CorrelationWindow,
  ExtraEvidence,
  FaultClass,
  FeatureScores,
  FeatureWeights,
  Hypothesis,
  ObservedSeries,
  TargetAssessment,
  Topology,
} from './model.ts';
export { correlationParameters, DEFAULT_CORRELATION_PARAMETERS } from './parameters.ts';
export { correlate } from './rank.ts';
