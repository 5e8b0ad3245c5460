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
  // Any scrape target exposing the broker's BrokerState is a Kafka broker, whatever its job is called.
  // 1 while it does; 0 for an hour after it stopped (target down, or a standalone JMX exporter that lost
  // the broker), so a broker that just went down is listed as down rather than silently dropped.
  discovery: {
    query:
      '(up and on (job, instance) kafka_server_kafkaserver_brokerstate) or on (job, instance)' +
      ' (0 * (up and on (job, instance) last_over_time(kafka_server_kafkaserver_brokerstate[1h])))',
  },
  signals,
  logs,
  rules,
  connector,
  actions,
});
