import { definePlugin } from '@kubestack/plugin-sdk';
import { actions } from './actions.ts';
import { connector, type Facts } from './connector.ts';
import { logs } from './logs.ts';
import { rules } from './rules.ts';
import { signals } from './signals.ts';

export type { Facts };

export default definePlugin<Facts>({
  id: 'rabbitmq',
  displayName: 'RabbitMQ',
  category: 'queue',
  // Any scrape target exposing rabbitmq_identity_info is a node's rabbitmq_prometheus, whatever its job is
  // called; the plugin runs inside the broker, so the target is up exactly when the node is. A node that
  // went down stays listed, as down, for an hour.
  discovery: { query: 'up and on (job, instance) last_over_time(rabbitmq_identity_info[1h])' },
  signals,
  logs,
  rules,
  connector,
  actions,
});
