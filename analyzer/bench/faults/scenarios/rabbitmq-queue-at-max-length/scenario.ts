/** A RabbitMQ queue is full at its max-length and drops its oldest messages; an alert on RabbitMQ is explained. */
import { pluginFault } from '../../plugin-faults.ts';
import type { FaultBenchScenario } from '../../types.ts';

export const scenario: FaultBenchScenario = {
  id: 'rabbitmq-queue-at-max-length',
  title: 'A RabbitMQ queue is full at its max-length and drops its oldest messages',
  middleware: ['rabbitmq'],
  inject: pluginFault('rabbitmq', 'queue-at-max-length'),
  target: (stack) => ({ kind: 'alert', alertname: 'RabbitMQQueueFull', node: stack.nodes.rabbitmq }),
  expected: (stack) => ({ node: stack.nodes.rabbitmq, faultClass: 'backlog' }),
};
