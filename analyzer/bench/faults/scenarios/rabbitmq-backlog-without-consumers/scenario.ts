/** A RabbitMQ queue holds a backlog no consumer drains; the ready-messages panel is explained. */
import { pluginFault } from '../../plugin-faults.ts';
import type { FaultBenchScenario } from '../../types.ts';

export const scenario: FaultBenchScenario = {
  id: 'rabbitmq-backlog-without-consumers',
  title: 'A RabbitMQ queue holds a backlog that no consumer drains (the ready-messages panel is explained)',
  middleware: ['rabbitmq'],
  inject: pluginFault('rabbitmq', 'queue-backlog-without-consumers'),
  target: () => ({
    kind: 'panel',
    title: 'RabbitMQ messages ready',
    queries: [
      {
        datasource: 'prometheus',
        // Queue series exist only while a queue does: 0 from the broker's identity series in between.
        expr: 'sum by (instance) (rabbitmq_queue_messages_ready) or 0 * max by (instance) (rabbitmq_identity_info)',
      },
    ],
  }),
  expected: (stack) => ({ node: stack.nodes.rabbitmq, faultClass: 'backlog' }),
};
