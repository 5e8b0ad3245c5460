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
  // rabbitmq_prometheus runs inside the broker: its scrape target is up exactly when the node is.
  discovery: { query: 'up{job="rabbitmq"}' },
  signals,
  logs,
  rules,
  connector,
  actions,
});
