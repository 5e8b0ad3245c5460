/** The topology as lookups: who depends on whom, how far from the target, who shares a host or labels. Pure. */
import type { Topology } from './model.ts';

export interface TopologyIndex {
  /** Direct dependencies of each node. */
  dependenciesOf: Map<string, string[]>;
  /** Direct dependents of each node (who depends on it). */
  dependentsOf: Map<string, string[]>;
  /** Hops from the target's node along dependencies (the target's node is 0); absent when unreachable. */
  distanceFromTarget: Map<string, number>;
  /** Nodes related to a node by an undirected relation, with the relation's kind. */
  relationsOf: Map<string, Array<{ node: string; kind: 'same-host' | 'shared-labels' }>>;
  /** Whether the target's node and a topology are known at all. */
  known: boolean;
}

function push<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export function indexTopology(topology: Topology | undefined, targetNode: string | undefined): TopologyIndex {
  const dependenciesOf = new Map<string, string[]>();
  const dependentsOf = new Map<string, string[]>();
  const relationsOf = new Map<string, Array<{ node: string; kind: 'same-host' | 'shared-labels' }>>();
  for (const { from, to } of topology?.dependencies ?? []) {
    if (from === to) continue;
    push(dependenciesOf, from, to);
    push(dependentsOf, to, from);
  }
  for (const { a, b, kind } of topology?.relations ?? []) {
    if (a === b) continue;
    push(relationsOf, a, { node: b, kind });
    push(relationsOf, b, { node: a, kind });
  }
  const distanceFromTarget = new Map<string, number>();
  if (targetNode !== undefined) {
    distanceFromTarget.set(targetNode, 0);
    const queue = [targetNode];
    for (let head = 0; head < queue.length; head += 1) {
      const node = queue[head] as string;
      const distance = distanceFromTarget.get(node) as number;
      for (const next of dependenciesOf.get(node) ?? []) {
        if (distanceFromTarget.has(next)) continue;
        distanceFromTarget.set(next, distance + 1);
        queue.push(next);
      }
    }
  }
  return {
    dependenciesOf,
    dependentsOf,
    distanceFromTarget,
    relationsOf,
    known: topology !== undefined && targetNode !== undefined,
  };
}

/** Every node that depends on `node`, directly or through others. */
export function transitiveDependents(index: TopologyIndex, node: string): Set<string> {
  const seen = new Set<string>();
  const queue = [node];
  for (let head = 0; head < queue.length; head += 1) {
    for (const next of index.dependentsOf.get(queue[head] as string) ?? []) {
      if (next === node || seen.has(next)) continue;
      seen.add(next);
      queue.push(next);
    }
  }
  return seen;
}
