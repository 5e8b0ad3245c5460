import { definePlugin } from '@kubestack/plugin-sdk';
import { actions } from './actions.ts';
import { connector, type Facts } from './connector.ts';
import { logs } from './logs.ts';
import { rules } from './rules.ts';
import { signals } from './signals.ts';

export type { Facts };

export default definePlugin<Facts>({
  id: 'kafka',
  displayName: 'Apache Kafka',
  category: 'stream',
  // The JMX exporter runs as an agent inside the broker JVM: its target is up exactly when the broker is.
  discovery: { query: 'up{job="kafka"}' },
  signals,
  logs,
  rules,
  connector,
  actions,
});
