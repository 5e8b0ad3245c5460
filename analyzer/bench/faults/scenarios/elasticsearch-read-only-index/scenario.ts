/** An index carries the read_only_allow_delete block (what the flood-stage watermark sets); an alert is explained. */
import { pluginFault } from '../../plugin-faults.ts';
import type { FaultBenchScenario } from '../../types.ts';

export const scenario: FaultBenchScenario = {
  id: 'elasticsearch-read-only-index',
  title: 'An Elasticsearch index carries the read_only_allow_delete block',
  middleware: ['elasticsearch'],
  inject: pluginFault('elasticsearch', 'read-only-index'),
  target: (stack) => ({ kind: 'alert', alertname: 'ElasticsearchIndexWritesBlocked', node: stack.nodes.elasticsearch }),
  expected: (stack) => ({ node: stack.nodes.elasticsearch, faultClass: 'disk-pressure' }),
};
