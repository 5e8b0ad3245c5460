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
  discovery: { query: 'elasticsearch_cluster_health_up' },
  signals,
  logs,
  rules,
  connector,
  actions,
});
