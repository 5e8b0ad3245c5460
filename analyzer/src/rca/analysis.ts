/** What a root-cause analysis answers: the shape explain and rca return, and the LLM narrates. */
import type { FaultClass, Risk } from '@kubestack/plugin-sdk';
import type { FeatureScores } from '../correlate/index.ts';
import type { SourceName } from '../sources/errors.ts';

/** What an analysis can lack: a data source, the knowledge base, or the LLM. */
export type MissingPart = SourceName | 'knowledge-base';

export type EvidenceKind = 'target' | 'anomaly' | 'rule' | 'log';

/** One observation a hypothesis stands on; `id` is what hypotheses, cases and the LLM cite. */
export interface EvidenceItem {
  id: string;
  kind: EvidenceKind;
  /** Instance id (`redis:10.0.0.5:6379`), a service (`service:checkout`), or the panel for the target. */
  node: string;
  /** One sentence an operator can check. */
  summary: string;
  /** When it started, ISO 8601. */
  at?: string;
  /** Anomaly score in [0, 1] or a finding's severity weight. */
  score?: number;
  signal?: string;
  rule?: string;
  severity?: 'critical' | 'warning' | 'info';
  /** A mined log template (`<*>` for variable parts) and a few sample lines, quoted as data. */
  pattern?: string;
  lines?: string[];
}

export interface RankedHypothesis {
  id: string;
  rank: number;
  /** The instance (or service) blamed. */
  node: string;
  /** Plugin id of the instance, when it is one. */
  middleware?: string;
  /** Where it is, for people: display name and address. */
  where: string;
  signal?: string;
  rule?: string;
  faultClass?: FaultClass;
  confidence: number;
  scores: FeatureScores;
  evidence: string[];
}

/** A known fault case as the knowledge base returns it for a query. */
export interface CaseHit {
  id: string;
  middleware: string;
  title: string;
  faultClass: FaultClass;
  score: number;
  rootCause: string;
  remediation: string;
  actions: string[];
  references: Array<{ title: string; url: string }>;
}

export interface MatchedCase extends CaseHit {
  /** The hypothesis whose evidence found it. */
  hypothesis: string;
}

export interface SuggestedAction {
  /** Instance the action runs on. */
  node: string;
  action: string;
  title: string;
  risk: Risk;
  reversible: boolean;
  /** Why it is suggested: the rule finding or the case that names it. */
  reason: string;
  /** Ids of the evidence or case behind the suggestion. */
  basis: string[];
}

export interface Narrative {
  text: string;
  source: 'deterministic' | 'llm';
  /** Why the narrative is the deterministic one: llm-off, llm-timeout, llm-unavailable, llm-invalid-answer… */
  reason?: string;
  /** The hypothesis the LLM chose (always one of the evidence-backed ones). */
  hypothesis?: string;
  /** The LLM's claims, each citing evidence or case ids; uncited ones were dropped. */
  claims?: Array<{ text: string; evidence: string[]; cases: string[] }>;
}

export interface TargetSummary {
  id: string;
  label: string;
  node: string | null;
  anomalous: boolean;
  onset: string | null;
  /** Highest detector score of the target in the window. */
  maxScore: number;
}

export interface Analysis {
  summary: string;
  status: 'root-cause' | 'no-fault' | 'unexplained';
  /** True when a source could not be read; `unavailable` names them. */
  partial: boolean;
  unavailable: MissingPart[];
  window: { from: string; to: string; baselineFrom: string; step: number };
  target: TargetSummary;
  hypotheses: RankedHypothesis[];
  evidence: EvidenceItem[];
  cases: MatchedCase[];
  suggestedActions: SuggestedAction[];
  narrative: Narrative;
  /** What was looked at, so silence is not mistaken for health. */
  coverage: { instances: number; signals: number; rulesRun: number; logInstances: number };
  tookMs: number;
}
