import { definePlugin } from '@kubestack/plugin-sdk';
import { actions } from './actions.ts';
import { connector, type Facts } from './connector.ts';
import { logs } from './logs.ts';
import { rules } from './rules.ts';
import { signals } from './signals.ts';

export type { Facts };

export default definePlugin<Facts>({
  id: 'elasticsearch',
  displayName: 'Elasticsearch',
  category: 'search',
  // Reported by elasticsearch_exporter: 1 when it could read cluster health, 0 when Elasticsearch is down.
  // When the exporter itself is down the metric vanishes: its target then stays listed, as down, for an hour.
  discovery: {
    query:
      'elasticsearch_cluster_health_up or on (job, instance)' +
      ' (0 * (up and on (job, instance) last_over_time(elasticsearch_cluster_health_up[1h])))',
  },
  signals,
  logs,
  rules,
  connector,
  actions,
});
