/**
 * The narrative of an analysis: the LLM's when one is configured and answers validly in time, the deterministic
 * one otherwise (marked with the reason). The LLM sees only the redacted evidence pack and only narrates: it
 * picks one of the evidence-backed hypotheses and cites evidence; it never starts anything.
 */
import type { EvidencePackInput, LlmNarrator } from '../llm/index.ts';
import type { Analysis, Narrative } from './analysis.ts';

export function packInput(analysis: Analysis): EvidencePackInput {
  return {
    hypotheses: analysis.hypotheses.map((hypothesis) => ({
      id: hypothesis.id,
      instance: hypothesis.where,
      faultClass: hypothesis.faultClass ?? 'unknown',
      confidence: hypothesis.confidence,
      evidence: hypothesis.evidence,
      ...(hypothesis.signal === undefined ? {} : { signal: hypothesis.signal }),
      ...(hypothesis.rule === undefined ? {} : { rule: hypothesis.rule }),
    })),
    evidence: analysis.evidence.map(({ node, ...item }) => ({ ...item, instance: node })),
    cases: analysis.cases.map(({ id, title, score, rootCause, remediation }) => ({
      id,
      title,
      score,
      rootCause,
      remediation,
    })),
    narrative: analysis.narrative.text,
  };
}

/** Narrates the analysis; `onDelta` receives the LLM's text as it streams (provisional until the result). */
export async function narrate(
  narrator: LlmNarrator,
  analysis: Analysis,
  options: { signal?: AbortSignal; onDelta?: (text: string) => void } = {},
): Promise<Narrative> {
  if (analysis.hypotheses.length === 0) {
    return narrator.enabled
      ? { ...analysis.narrative, reason: 'llm-no-hypothesis' }
      : { ...analysis.narrative, reason: 'llm-off' };
  }
  const narration = await narrator.narrate(packInput(analysis), options);
  if (narration.source === 'llm') {
    return {
      text: narration.narrative,
      source: 'llm',
      ...(narration.hypothesis === null ? {} : { hypothesis: narration.hypothesis }),
      claims: narration.claims,
    };
  }
  return {
    text: analysis.narrative.text,
    source: 'deterministic',
    ...(narration.reason ? { reason: narration.reason } : {}),
  };
}
