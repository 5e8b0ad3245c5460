/** Known fault cases for root-cause analysis, from the knowledge base. */
import type { KnowledgeBase } from '../kb/knowledge-base.ts';
import type { CaseSource } from './analyze.ts';

export function knowledgeBaseCases(knowledgeBase: KnowledgeBase): CaseSource {
  return {
    async search(query, { middleware, limit }) {
      const found = await knowledgeBase.search(query, { middleware, limit });
      return found.hits.map(({ case: faultCase, score }) => ({
        id: faultCase.id,
        middleware: faultCase.middleware,
        title: faultCase.title,
        faultClass: faultCase.faultClass,
        score,
        rootCause: faultCase.rootCause,
        remediation: faultCase.remediation,
        actions: faultCase.actions,
        references: faultCase.references,
      }));
    },
  };
}
