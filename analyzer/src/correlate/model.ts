/**
 * What correlation takes and gives: a target (what went wrong), candidate signals across every known
 * instance, extra evidence (rule findings, log surges), a topology, and back ranked root-cause
 * hypotheses per instance. Plain data over typed arrays; the I/O edge (rca/) fills it in.
 */
import type { BadDirection, FaultClass } from '@kubestack/plugin-sdk';

export type { BadDirection, FaultClass };

/** A series as observed over its baseline and the window: every point before `window.startMs` is baseline. */
export interface ObservedSeries {
  /** Sample times, ms since the epoch, ascending. */
  times: Float64Array;
  /** Values at `times`; NaN is a gap. */
  values: Float64Array;
  /** Which way moving is bad news; `both` for a series whose meaning is not known. */
  badDirection: BadDirection;
  /** Per-point anomaly scores in [0, 1] on `times` (the streaming detector's), when already computed. */
  scores?: Float64Array;
  /**
   * Normal level and spread known from a longer history than the points before the window (the
   * detector's band, a recorded no-issue period). Missing fields are estimated from the baseline points.
   */
  baseline?: { center?: number; scale?: number };
}

/** What is being explained: a panel's series, an alert's expression, an instance signal. */
export interface CorrelationTarget extends ObservedSeries {
  id: string;
  /** The instance (or service) the target belongs to, when known: topology is measured from it. */
  node?: string;
}

/** One signal of one instance that might be, or show, the cause. */
export interface CandidateSignal extends ObservedSeries {
  /** Evidence id carried into the hypotheses that use this candidate. */
  evidenceId: string;
  /** The instance id. */
  node: string;
  /** The signal id (the same id on two nodes means the same quantity, in the same unit). */
  signal: string;
  faultClass?: FaultClass;
}

/** A rule finding or a log-pattern surge on a node. */
export interface ExtraEvidence {
  id: string;
  node: string;
  kind: 'rule' | 'log';
  /** How sure or how strong, in [0, 1]. */
  strength: number;
  /** When it started, ms since the epoch, when known. */
  onsetMs?: number;
  faultClass?: FaultClass;
  /** The rule's id, for a rule finding. */
  ruleId?: string;
}

export interface Topology {
  /** `from` depends on (calls, reads from, replicates from) `to`: a fault in `to` shows up in `from`. */
  dependencies: ReadonlyArray<{ from: string; to: string }>;
  /** Undirected relations: two instances on one host, or sharing identifying labels (cluster, service). */
  relations?: ReadonlyArray<{ a: string; b: string; kind: 'same-host' | 'shared-labels' }>;
}

/** The window under analysis, ms since the epoch; points before `startMs` are each series' baseline. */
export interface CorrelationWindow {
  startMs: number;
  endMs: number;
}

/** Each feature of a hypothesis, in [0, 1]; higher is more in favour of the hypothesis. */
export interface FeatureScores {
  /** How anomalous its best signal is in the window. */
  anomaly: number;
  /** 1 when it went wrong before the target, less when at the same time, little when after. */
  onset: number;
  /** Correlation of its changes with the target's, it leading by up to the lag bound. */
  comovement: number;
  /** Reachable from the target along dependencies (closer is higher), same host, shared labels. */
  topology: number;
  /** 1 unless one of its own dependencies went wrong the same way (then the cause is further down). */
  unexplained: number;
  /** Share of the other anomalous nodes (the target's among them) that depend on it: what its fault explains. */
  propagation: number;
  /** Rule findings and log surges on the node, combined. */
  evidence: number;
}

export interface Hypothesis {
  id: string;
  /** The instance blamed. */
  node: string;
  /** Its signal that went wrong most convincingly, when a signal did. */
  signal?: string;
  /** The strongest rule that fired on it, when one did. */
  rule?: string;
  faultClass?: FaultClass;
  /** In [0, 1]. */
  confidence: number;
  scores: FeatureScores;
  /** Ids of the candidates and extra evidence behind it, strongest first. */
  evidence: string[];
}

export interface TargetAssessment {
  /** Whether the target left its baseline enough to need explaining. */
  anomalous: boolean;
  /** In [0, 1]. */
  strength: number;
  /** Peak robust z-score in the bad direction. */
  peakZ: number;
  /** First time it went wrong, when it did. */
  onsetMs: number | undefined;
}

export interface Correlation {
  target: TargetAssessment;
  /** Best first; empty when nothing is wrong (the target is normal, or nothing anomalous explains it). */
  hypotheses: Hypothesis[];
}

/** Relative weights of the features in a hypothesis's confidence (a weighted geometric mean). */
export interface FeatureWeights {
  anomaly: number;
  onset: number;
  comovement: number;
  topology: number;
  unexplained: number;
  propagation: number;
}

/** Every threshold and weight of the ranking; `DEFAULT_CORRELATION_PARAMETERS` documents the chosen values. */
export interface CorrelationParameters {
  targetZ: number;
  candidateZ: number;
  halfStrengthZ: number;
  detectorThreshold: number;
  onsetFraction: number;
  onsetSame: number;
  onsetLateDecay: number;
  minRelativeScale: number;
  maxLagMs: number;
  comovementNeutral: number;
  distanceDecay: number;
  reachableFloor: number;
  sameHost: number;
  sharedLabels: number;
  unrelated: number;
  topologyUnknown: number;
  explainedWeight: number;
  propagationFloor: number;
  evidenceWeight: number;
  weights: FeatureWeights;
  minConfidence: number;
  requireTargetAnomaly: boolean;
}

export interface CorrelateInput {
  target: CorrelationTarget;
  candidates: readonly CandidateSignal[];
  extraEvidence?: readonly ExtraEvidence[];
  topology?: Topology;
  window: CorrelationWindow;
  options?: Partial<CorrelationParameters>;
}
