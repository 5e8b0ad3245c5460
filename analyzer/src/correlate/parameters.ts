/**
 * The one set of thresholds and weights of the ranking. Values marked "tuned" were chosen on the PetShop
 * train split and the first half of its no-issue recording (docs/benchmarks.md, "Root cause — PetShop");
 * the others are set by reasoning, not fitted.
 */
import type { CorrelationParameters } from './model.ts';

export const DEFAULT_CORRELATION_PARAMETERS: CorrelationParameters = {
  /**
   * Tuned. How far beyond the window's noise maximum (deviation.ts, `noiseMaximum`) the target's peak robust
   * z must go for the target to need explaining; below it nothing is wrong.
   */
  targetZ: 0,
  /** Tuned. The same excess from which a candidate signal counts as anomalous at all. */
  candidateZ: 5,
  /** Tuned. Excess z at which a signal's anomaly strength is 1/2 (strength = excess / (excess + halfStrengthZ)). */
  halfStrengthZ: 2,
  /** A per-point detector score from which a point is anomalous (the detector's own default threshold). */
  detectorThreshold: 0.4,
  /** Onset: the first window point reaching this fraction of the series' peak z (and the threshold). */
  onsetFraction: 0.5,
  /** Onset score when the candidate went wrong in the same step as the target (earlier scores 1). */
  onsetSame: 0.8,
  /** Onset score multiplier per step the candidate went wrong after the target: effects come after causes. */
  onsetLateDecay: 0.3,
  /**
   * Smallest spread, as a fraction of the baseline level: a flat baseline (a constant 100 % availability)
   * would otherwise make any wiggle infinitely anomalous.
   */
  minRelativeScale: 0.002,
  /** How far a candidate may lead the target in the co-movement (cross-correlation of changes). */
  maxLagMs: 10 * 60_000,
  /** Co-movement assumed when too few aligned points exist to correlate. */
  comovementNeutral: 0.5,
  /** Topology score lost per dependency hop beyond the first. */
  distanceDecay: 0.05,
  /** Lowest topology score of a node reachable from the target, however far. */
  reachableFloor: 0.6,
  /** Topology score of a node on the same host as the target or one of its dependencies. */
  sameHost: 0.6,
  /** Topology score of a node sharing identifying labels with the target or one of its dependencies. */
  sharedLabels: 0.45,
  /** Topology score of a node with no known relation to the target (it may still be the cause). */
  unrelated: 0.15,
  /** Topology score for everyone when the target's node or the topology is not known. */
  topologyUnknown: 0.5,
  /**
   * How much an anomalous dependency moving the same way takes away ("explains") from a node. Not fitted:
   * the train split holds no chain of anomalous services to learn it from.
   */
  explainedWeight: 0.8,
  /**
   * Propagation score of a node none of the other anomalous nodes depends on; the score rises linearly to 1
   * as the share of anomalous nodes that depend on it does.
   */
  propagationFloor: 0.3,
  /**
   * How much rule findings and log surges on a node lift its confidence (noisy-or, times its topology
   * score). A critical finding (strength 0.9) on a dependency of the target is reported on its own
   * (0.72 ≥ minConfidence); a warning only lifts a node whose signals went wrong too. Not fitted (PetShop
   * has no rules or logs).
   */
  evidenceWeight: 0.8,
  /** Tuned. Relative weights in the weighted geometric mean that is a hypothesis's confidence. */
  weights: { anomaly: 1, onset: 1, comovement: 2, topology: 1, unexplained: 1, propagation: 3 },
  /** Tuned. Hypotheses below this confidence are dropped: blaming nobody beats blaming at random. */
  minConfidence: 0.6,
  /** Without an anomalous target there is nothing to explain; an alert that fired may turn this off. */
  requireTargetAnomaly: true,
};

export function correlationParameters(overrides: Partial<CorrelationParameters> = {}): CorrelationParameters {
  return {
    ...DEFAULT_CORRELATION_PARAMETERS,
    ...overrides,
    weights: { ...DEFAULT_CORRELATION_PARAMETERS.weights, ...overrides.weights },
  };
}
