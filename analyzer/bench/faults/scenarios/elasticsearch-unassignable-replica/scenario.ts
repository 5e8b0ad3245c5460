/** An index asks for more replicas than there are data nodes: the cluster turns yellow; its status is explained. */
import { pluginFault } from '../../plugin-faults.ts';
import type { FaultBenchScenario } from '../../types.ts';

export const scenario: FaultBenchScenario = {
  id: 'elasticsearch-unassignable-replica',
  title: 'Elasticsearch is yellow: an index asks for more replicas than there are data nodes',
  middleware: ['elasticsearch'],
  inject: pluginFault('elasticsearch', 'unassignable-replica'),
  target: (stack) => ({ kind: 'instance', node: stack.nodes.elasticsearch, signal: 'unassigned_shards' }),
  // Replica copies that cannot be placed: the primaries serve, so the data is there but not replicated.
  expected: (stack) => ({ node: stack.nodes.elasticsearch, faultClass: 'replication' }),
};
