/**
 * Reciprocal-rank fusion: each retriever contributes 1 / (k + rank) for every case it returns, so cases
 * found high by several retrievers rise, and no retriever's raw scores (BM25, cosine) need calibrating.
 * Cormack, Clarke and Büttcher (2009) chose k = 60. Pure.
 */

export type Retriever = 'fulltext' | 'vector';

export interface RankedList {
  retriever: Retriever;
  /** Case ids, best first. */
  ids: readonly string[];
}

export interface FusedHit {
  id: string;
  score: number;
  /** Per retriever that returned the case, its 1-based rank there. */
  ranks: Partial<Record<Retriever, number>>;
}

export const RRF_K = 60;

/** Fuses ranked lists, best first; ties go to the better single rank, then to the id (stable output). */
export function reciprocalRankFusion(lists: readonly RankedList[], k = RRF_K): FusedHit[] {
  const hits = new Map<string, FusedHit>();
  for (const { retriever, ids } of lists) {
    ids.forEach((id, index) => {
      const rank = index + 1;
      const hit = hits.get(id) ?? { id, score: 0, ranks: {} };
      // A retriever that returns an id twice counts it once, at its better rank.
      if (hit.ranks[retriever] !== undefined) return;
      hit.ranks[retriever] = rank;
      hit.score += 1 / (k + rank);
      hits.set(id, hit);
    });
  }
  const bestRank = (hit: FusedHit) => Math.min(...Object.values(hit.ranks));
  return [...hits.values()].sort(
    (a, b) => b.score - a.score || bestRank(a) - bestRank(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}
