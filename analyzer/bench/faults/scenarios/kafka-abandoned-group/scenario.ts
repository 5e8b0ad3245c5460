/** A Kafka consumer group without members has unread messages; the broker instance is explained. */
import { pluginFault } from '../../plugin-faults.ts';
import type { FaultBenchScenario } from '../../types.ts';

export const scenario: FaultBenchScenario = {
  id: 'kafka-abandoned-group',
  title: 'A Kafka consumer group without members has unread messages',
  middleware: ['kafka'],
  inject: pluginFault('kafka', 'inactive-group-with-lag'),
  target: (stack) => ({ kind: 'alert', alertname: 'KafkaConsumerGroupInactive', node: stack.nodes.kafka }),
  expected: (stack) => ({ node: stack.nodes.kafka, faultClass: 'consumer-lag' }),
};
