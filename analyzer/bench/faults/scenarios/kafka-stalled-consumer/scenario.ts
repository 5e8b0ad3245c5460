/** A Kafka consumer group with a live member stops consuming and falls behind; a lag alert is explained. */
import { pluginFault } from '../../plugin-faults.ts';
import type { FaultBenchScenario } from '../../types.ts';

export const scenario: FaultBenchScenario = {
  id: 'kafka-stalled-consumer',
  title: 'A Kafka consumer group with a live member has stopped consuming and falls behind',
  middleware: ['kafka'],
  inject: pluginFault('kafka', 'consumer-group-lag'),
  // Consumer lag is not exported to Prometheus here (no lag exporter): the symptom is the alert.
  target: (stack) => ({ kind: 'alert', alertname: 'KafkaConsumerGroupLag', node: stack.nodes.kafka }),
  expected: (stack) => ({ node: stack.nodes.kafka, faultClass: 'consumer-lag' }),
};
