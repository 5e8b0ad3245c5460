/**
 * The deterministic narrative: what went wrong, where, since when, why we think so, and what to do — built
 * from the evidence and the best matching case alone, so it works without an LLM and is what the LLM's
 * answer falls back to. Pure.
 */
import type { FaultClass } from '@kubestack/plugin-sdk';
import type { Analysis, EvidenceItem, MatchedCase, RankedHypothesis, SuggestedAction } from './analysis.ts';

const FAULT_PHRASES: Record<FaultClass, string> = {
  'memory-pressure': 'memory pressure',
  'connection-exhaustion': 'connection exhaustion',
  'lock-contention': 'lock contention',
  'slow-queries': 'slow queries',
  'long-transaction': 'a long-open transaction',
  'disk-pressure': 'disk pressure',
  replication: 'a replication problem',
  'consumer-lag': 'consumer lag',
  backlog: 'a message backlog',
  availability: 'an availability problem',
  'resource-saturation': 'resource saturation',
  persistence: 'a persistence failure',
  configuration: 'a configuration problem',
  'data-unavailable': 'data not being served',
  'load-surge': 'a load surge',
};

export function faultPhrase(faultClass: FaultClass | undefined): string {
  return faultClass === undefined ? 'an anomaly' : FAULT_PHRASES[faultClass];
}

function percent(confidence: number): string {
  return `${Math.round(confidence * 100)} %`;
}

/** The first sentence (or the first 240 characters) of a longer text. */
export function firstSentence(text: string): string {
  const trimmed = text.trim().replace(/\s+/g, ' ');
  const end = trimmed.search(/[.!?](\s|$)/);
  const sentence = end === -1 ? trimmed : trimmed.slice(0, end + 1);
  return sentence.length <= 240 ? sentence : `${sentence.slice(0, 239)}…`;
}

function time(iso: string | null | undefined): string {
  return iso
    ? iso
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z')
        .replace(/Z$/, ' UTC')
    : 'an unknown time';
}

type NarrativeInput = Pick<Analysis, 'status' | 'target' | 'hypotheses' | 'evidence' | 'cases' | 'suggestedActions'> & {
  coverage: Analysis['coverage'];
  partial: boolean;
  unavailable: Analysis['unavailable'];
};

function why(hypothesis: RankedHypothesis, evidence: ReadonlyMap<string, EvidenceItem>): string {
  const items = hypothesis.evidence
    .map((id) => evidence.get(id))
    .filter((item): item is EvidenceItem => item !== undefined)
    .slice(0, 3)
    .map((item) => `${item.summary} [${item.id}]`);
  const order =
    hypothesis.scores.onset >= 0.99
      ? 'It went wrong before the target did'
      : hypothesis.scores.onset >= 0.5
        ? 'It went wrong at the same time as the target'
        : 'It went wrong after the target (so it may be an effect)';
  return `${items.join('; ')}. ${order}.`;
}

function whatToDo(best: MatchedCase | undefined, actions: readonly SuggestedAction[]): string {
  const parts: string[] = [];
  if (best) parts.push(`${firstSentence(best.remediation)} (known case "${best.title}" [${best.id}])`);
  const offered = actions
    .slice(0, 3)
    .map((action) => `${action.title} (${action.risk} risk${action.reversible ? ', reversible' : ''})`);
  if (offered.length > 0) parts.push(`Actions that can be planned, dry-run and approved: ${offered.join('; ')}`);
  return parts.length === 0 ? 'No known case or action matches; inspect the evidence above.' : `${parts.join('. ')}.`;
}

export function deterministicNarrative(input: NarrativeInput): string {
  const evidence = new Map(input.evidence.map((item) => [item.id, item]));
  const checked =
    `Checked ${input.coverage.signals} signals and ${input.coverage.rulesRun} rule sets on ${input.coverage.instances} ` +
    `instances, and the logs of ${input.coverage.logInstances}.`;
  const missing = input.partial ? ` Partial: ${input.unavailable.join(', ')} could not be read.` : '';
  const target = input.target;
  if (input.status === 'no-fault') {
    return `${target.label} stays within its normal range in this window: nothing to explain. ${checked}${missing}`;
  }
  const top = input.hypotheses[0];
  if (input.status === 'unexplained' || top === undefined) {
    return (
      `${target.label} left its normal range at ${time(target.onset)}, but no instance shows an anomaly, rule finding ` +
      `or log surge that explains it. ${checked}${missing} The cause may lie outside the monitored middleware ` +
      '(application code, network, a client); declare dependencies in the topology setting to widen the search.'
    );
  }
  const cases = input.cases.filter((matched) => matched.hypothesis === top.id);
  const actions = input.suggestedActions.filter((action) => action.node === top.node);
  const others = input.hypotheses
    .slice(1, 3)
    .map((other) => `${faultPhrase(other.faultClass)} on ${other.where} (${percent(other.confidence)})`);
  const lines = [
    `What: ${target.label} went wrong at ${time(target.onset)}.`,
    `Where: most likely ${faultPhrase(top.faultClass)} on ${top.where} (confidence ${percent(top.confidence)}).`,
    `Why: ${why(top, evidence)}`,
  ];
  const best = cases[0];
  if (best) lines.push(`Known case: ${best.title} — ${firstSentence(best.rootCause)}`);
  lines.push(`What to do: ${whatToDo(best, actions)}`);
  if (others.length > 0) lines.push(`Also considered: ${others.join('; ')}.`);
  lines.push(`${checked}${missing}`);
  return lines.join('\n');
}

/** One line for lists and notifications. */
export function summaryLine(input: Pick<Analysis, 'status' | 'target' | 'hypotheses'>): string {
  const top = input.hypotheses[0];
  if (input.status === 'no-fault') return `${input.target.label}: normal, nothing to explain`;
  if (top === undefined) return `${input.target.label}: anomalous, cause not found among monitored middleware`;
  return `${faultPhrase(top.faultClass)} on ${top.where} (${percent(top.confidence)})`.replace(/^./, (c) =>
    c.toUpperCase(),
  );
}
