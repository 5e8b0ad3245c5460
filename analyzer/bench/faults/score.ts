/** Scoring of the suite's answers: where the expected root cause ranks, and the figures of a run. Pure. */
import type { FaultClass } from '@kubestack/plugin-sdk';
import type { Expected } from './types.ts';

export interface AnsweredHypothesis {
  node: string;
  faultClass?: FaultClass;
  confidence: number;
}

export interface Placement {
  /** 1-based rank of the first hypothesis with the expected node and fault class; null when none has both. */
  rank: number | null;
  /** 1-based rank of the first hypothesis with the expected node, whatever its fault class. */
  nodeRank: number | null;
}

export function expectedClasses(expected: Expected): readonly FaultClass[] {
  return typeof expected.faultClass === 'string' ? [expected.faultClass] : expected.faultClass;
}

/** Where the expected root cause stands among the hypotheses (in their ranked order). */
export function placementOf(hypotheses: readonly AnsweredHypothesis[], expected: Expected): Placement {
  const classes = expectedClasses(expected);
  const nodeIndex = hypotheses.findIndex((hypothesis) => hypothesis.node === expected.node);
  const index = hypotheses.findIndex(
    (hypothesis) =>
      hypothesis.node === expected.node &&
      hypothesis.faultClass !== undefined &&
      classes.includes(hypothesis.faultClass),
  );
  return { rank: index === -1 ? null : index + 1, nodeRank: nodeIndex === -1 ? null : nodeIndex + 1 };
}

/** The q-quantile (0 < q ≤ 1) by the nearest-rank method; NaN for no values. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}

export interface RunSummary {
  scenarios: number;
  top1: number;
  top3: number;
  explain_p95_ms: number;
}

/**
 * The suite's figures: shares of scenarios whose expected cause ranks first / within the first three (a
 * scenario that could not run counts as a miss), and the 95th percentile of every measured answer time.
 */
export function summarize(placements: ReadonlyArray<Placement | null>, latenciesMs: readonly number[]): RunSummary {
  const count = placements.length;
  const within = (k: number) => placements.filter((placement) => placement?.rank != null && placement.rank <= k);
  const share = (hits: number) => (count === 0 ? 0 : Math.round((hits / count) * 1000) / 1000);
  const p95 = quantile(latenciesMs, 0.95);
  return {
    scenarios: count,
    top1: share(within(1).length),
    top3: share(within(3).length),
    explain_p95_ms: Number.isNaN(p95) ? 0 : Math.round(p95),
  };
}
