/**
 * Root-cause ranking. Every candidate signal that left its baseline in the window is scored on six
 * features — how anomalous it is, whether it went wrong before the target, whether its changes go with
 * the target's (it leading), where it sits in the topology relative to the target, whether one of its
 * own dependencies went wrong the same way (then the cause is further down and this node only passes it
 * on), and how much of the incident its fault would explain (the share of the other anomalous nodes
 * that depend on it) — combined by a weighted geometric mean, so a hypothesis must hold on every count.
 * Candidates are grouped per node (the root cause is an instance, shown with its best signal); rule
 * findings and log surges on a node lift it. When the target is normal, or nothing anomalous explains
 * it well enough, the answer is an empty list: nothing is wrong, nobody is blamed. Pure.
 */
import { medianSpacing } from '../series/index.ts';
import { alignTo, comparedRange, laggedComovement } from './comovement.ts';
import { type Deviation, type DeviationSettings, deviation } from './deviation.ts';
import type {
  CandidateSignal,
  CorrelateInput,
  Correlation,
  CorrelationParameters,
  ExtraEvidence,
  FeatureScores,
  FeatureWeights,
  Hypothesis,
  TargetAssessment,
} from './model.ts';
import { correlationParameters } from './parameters.ts';
import { indexTopology, type TopologyIndex, transitiveDependents } from './topology.ts';

const FEATURE_KEYS = ['anomaly', 'onset', 'comovement', 'topology', 'unexplained', 'propagation'] as const;

/** Rule evidence at least this strong names the hypothesis's fault class (a warning or worse finding). */
const DECISIVE_RULE_STRENGTH = 0.5;

/** A feature at 0 would veto everything else; this floor keeps the geometric mean informative. */
const FEATURE_FLOOR = 1e-3;

interface ScoredCandidate {
  candidate: CandidateSignal;
  deviation: Deviation;
  /** Oriented z on the target's grid. */
  aligned: Float64Array;
  features: FeatureScores;
  confidence: number;
}

function settingsFor(parameters: CorrelationParameters, thresholdZ: number): DeviationSettings {
  return {
    minRelativeScale: parameters.minRelativeScale,
    thresholdZ,
    halfStrengthZ: parameters.halfStrengthZ,
    onsetFraction: parameters.onsetFraction,
    detectorThreshold: parameters.detectorThreshold,
  };
}

/** 1 before the target, `onsetSame` in the same step, decaying per step after it. */
function onsetScore(
  onsetMs: number | undefined,
  targetOnsetMs: number | undefined,
  stepMs: number,
  parameters: CorrelationParameters,
): number {
  if (onsetMs === undefined || targetOnsetMs === undefined) return parameters.onsetSame;
  const lead = targetOnsetMs - onsetMs;
  const half = stepMs / 2;
  if (lead >= half && lead > 0) return 1;
  if (lead > -half || (stepMs === 0 && lead === 0)) return parameters.onsetSame;
  const stepsLate = stepMs > 0 ? Math.max(1, Math.round(-lead / stepMs)) : 1;
  return parameters.onsetSame * parameters.onsetLateDecay ** stepsLate;
}

/** Reachable along dependencies (closer is higher), else related by host or labels, else unrelated. */
function topologyScore(node: string, index: TopologyIndex, parameters: CorrelationParameters): number {
  if (!index.known) return parameters.topologyUnknown;
  const distance = index.distanceFromTarget.get(node);
  if (distance !== undefined) {
    return Math.max(parameters.reachableFloor, 1 - parameters.distanceDecay * Math.max(0, distance - 1));
  }
  let best = parameters.unrelated;
  for (const { node: other, kind } of index.relationsOf.get(node) ?? []) {
    if (!index.distanceFromTarget.has(other)) continue;
    best = Math.max(best, kind === 'same-host' ? parameters.sameHost : parameters.sharedLabels);
  }
  return best;
}

function weightedGeometricMean(features: FeatureScores, weights: FeatureWeights): number {
  let logSum = 0;
  let weightSum = 0;
  for (const key of FEATURE_KEYS) {
    const weight = weights[key];
    if (!(weight > 0)) continue;
    logSum += weight * Math.log(Math.max(FEATURE_FLOOR, Math.min(1, features[key])));
    weightSum += weight;
  }
  return weightSum > 0 ? Math.exp(logSum / weightSum) : 0;
}

/** Noisy-or of the node's rule findings and log surges; one that started after the target counts less. */
function evidenceScore(
  items: readonly ExtraEvidence[],
  targetOnsetMs: number | undefined,
  stepMs: number,
  parameters: CorrelationParameters,
): number {
  let missed = 1;
  for (const item of items) {
    const timing = onsetScore(item.onsetMs, targetOnsetMs, stepMs, parameters) / parameters.onsetSame;
    missed *= 1 - Math.min(1, Math.max(0, item.strength)) * Math.min(1, timing);
  }
  return 1 - missed;
}

export function correlate(input: CorrelateInput): Correlation {
  const parameters = correlationParameters(input.options);
  const { target, window } = input;
  const targetDeviation = deviation(target, window, settingsFor(parameters, parameters.targetZ));
  const assessment: TargetAssessment = {
    anomalous: targetDeviation.anomalous,
    strength: targetDeviation.strength,
    peakZ: targetDeviation.peakZ,
    onsetMs: targetDeviation.onsetMs,
  };
  if (parameters.requireTargetAnomaly && !targetDeviation.anomalous) return { target: assessment, hypotheses: [] };

  const grid = target.times;
  const stepMs = medianSpacing(grid);
  const tolerance = stepMs / 2;
  const maxLag = stepMs > 0 ? Math.round(parameters.maxLagMs / stepMs) : 0;
  const { from, to } = comparedRange(grid, window.startMs, window.endMs);
  const topology = indexTopology(input.topology, target.node);
  const candidateSettings = settingsFor(parameters, parameters.candidateZ);

  // Only candidates that went wrong can be, or explain, a cause.
  const scored: ScoredCandidate[] = [];
  const byNode = new Map<string, ScoredCandidate[]>();
  for (const candidate of input.candidates) {
    const candidateDeviation = deviation(candidate, window, candidateSettings);
    if (!candidateDeviation.anomalous) continue;
    const aligned = alignTo(grid, candidate.times, candidateDeviation.z, tolerance);
    // Without an excursion of the target (an alert explained anyway) there is nothing to move with.
    const comovement = targetDeviation.anomalous
      ? laggedComovement(aligned, targetDeviation.z, from, to, maxLag)
      : Number.NaN;
    const entry: ScoredCandidate = {
      candidate,
      deviation: candidateDeviation,
      aligned,
      features: {
        anomaly: candidateDeviation.strength,
        onset: onsetScore(candidateDeviation.onsetMs, targetDeviation.onsetMs, stepMs, parameters),
        comovement: Number.isNaN(comovement) ? parameters.comovementNeutral : comovement,
        topology: topologyScore(candidate.node, topology, parameters),
        unexplained: 1,
        propagation: 1,
        evidence: 0,
      },
      confidence: 0,
    };
    scored.push(entry);
    const list = byNode.get(candidate.node);
    if (list) list.push(entry);
    else byNode.set(candidate.node, [entry]);
  }

  // How anomalous each node is (its strongest signal; the target counts for its node).
  const nodeStrength = new Map<string, number>();
  for (const [node, entries] of byNode) nodeStrength.set(node, Math.max(...entries.map((e) => e.deviation.strength)));
  if (target.node !== undefined) {
    nodeStrength.set(target.node, Math.max(nodeStrength.get(target.node) ?? 0, targetDeviation.strength));
  }

  // A node whose own dependency went wrong the same way passes the fault on rather than causing it.
  for (const entry of scored) {
    let explained = 0;
    for (const dependency of topology.dependenciesOf.get(entry.candidate.node) ?? []) {
      for (const other of byNode.get(dependency) ?? []) {
        if (other.candidate.signal !== entry.candidate.signal) continue;
        explained = Math.max(explained, explanationShare(other, entry, from, to, maxLag, parameters));
      }
    }
    entry.features.unexplained = 1 - parameters.explainedWeight * explained;
    entry.features.propagation = propagationScore(entry.candidate.node, nodeStrength, topology, parameters);
    entry.confidence = weightedGeometricMean(entry.features, parameters.weights);
  }

  const evidenceByNode = new Map<string, ExtraEvidence[]>();
  for (const item of input.extraEvidence ?? []) {
    const list = evidenceByNode.get(item.node);
    if (list) list.push(item);
    else evidenceByNode.set(item.node, [item]);
  }

  const hypotheses: Hypothesis[] = [];
  for (const node of new Set([...byNode.keys(), ...evidenceByNode.keys()])) {
    const entries = (byNode.get(node) ?? []).sort((a, b) => b.confidence - a.confidence);
    const items = (evidenceByNode.get(node) ?? []).sort((a, b) => b.strength - a.strength);
    const best = entries[0];
    const topologyFeature = topologyScore(node, topology, parameters);
    const evidence = evidenceScore(items, targetDeviation.onsetMs, stepMs, parameters);
    const lift = parameters.evidenceWeight * evidence * topologyFeature;
    const base = best?.confidence ?? 0;
    const confidence = 1 - (1 - base) * (1 - lift);
    if (!(confidence >= parameters.minConfidence)) continue;
    const rule = items.find((item) => item.kind === 'rule');
    // A rule that found something serious checks the node's own facts against a documented limit: its fault
    // class is more specific than the one a signal's anomaly suggests (a queue's publish rate moves in a
    // backlog as in a load surge). A mere note (weak evidence) does not override the signal.
    const decisive = items.find((item) => item.kind === 'rule' && item.strength >= DECISIVE_RULE_STRENGTH);
    const faultClass =
      decisive?.faultClass ?? best?.candidate.faultClass ?? items.find((item) => item.faultClass)?.faultClass;
    const scores: FeatureScores = best
      ? { ...best.features, evidence }
      : {
          anomaly: 0,
          onset: onsetScore(items[0]?.onsetMs, targetDeviation.onsetMs, stepMs, parameters),
          comovement: parameters.comovementNeutral,
          topology: topologyFeature,
          unexplained: 1,
          propagation: propagationScore(node, nodeStrength, topology, parameters),
          evidence,
        };
    hypotheses.push({
      id: `hypothesis:${node}`,
      node,
      ...(best ? { signal: best.candidate.signal } : {}),
      ...(rule?.ruleId !== undefined ? { rule: rule.ruleId } : {}),
      ...(faultClass !== undefined ? { faultClass } : {}),
      confidence,
      scores,
      evidence: [...entries.map((entry) => entry.candidate.evidenceId), ...items.map((item) => item.id)],
    });
  }
  hypotheses.sort((a, b) => b.confidence - a.confidence || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  return { target: assessment, hypotheses };
}

/**
 * How much of `entry`'s anomaly the same signal on one of its dependencies, `other`, accounts for: their
 * co-movement (the dependency leading), scaled by how large the dependency's change is next to the node's
 * (a callee's added latency is at most its caller's).
 */
function explanationShare(
  other: ScoredCandidate,
  entry: ScoredCandidate,
  from: number,
  to: number,
  maxLag: number,
  parameters: CorrelationParameters,
): number {
  const comovement = laggedComovement(other.aligned, entry.aligned, from, to, maxLag);
  const together = Number.isNaN(comovement) ? parameters.comovementNeutral : comovement;
  const size =
    entry.deviation.peakChange > 0 ? Math.min(1, other.deviation.peakChange / entry.deviation.peakChange) : 1;
  return together * size;
}

/**
 * A fault spreads to whatever depends on the faulty node: the larger the share of the other anomalous
 * nodes (weighted by strength) that depend on `node`, the more of the incident it explains.
 */
function propagationScore(
  node: string,
  nodeStrength: ReadonlyMap<string, number>,
  topology: TopologyIndex,
  parameters: CorrelationParameters,
): number {
  if (!topology.known) return 1;
  const dependents = transitiveDependents(topology, node);
  let explained = 0;
  let total = 0;
  for (const [other, strength] of nodeStrength) {
    if (other === node) continue;
    total += strength;
    if (dependents.has(other)) explained += strength;
  }
  const share = total > 0 ? explained / total : 1;
  return parameters.propagationFloor + (1 - parameters.propagationFloor) * share;
}
