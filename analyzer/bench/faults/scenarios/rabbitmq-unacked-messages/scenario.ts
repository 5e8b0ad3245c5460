/**
 * A consumer takes messages (prefetch 500) and never acknowledges them: they pile up unacked on a queue that
 * has a consumer, so nothing looks idle. The unacked-messages signal is explained.
 */
import { faultName, induceFault } from '@kubestack/plugin-sdk';
import amqp from 'amqplib';
import type { FaultBenchScenario } from '../../types.ts';

/** Past the rule's warning (UNACKED_WARNING, 100). */
const MESSAGES = 300;
const WAIT_MS = 30_000;

export const scenario: FaultBenchScenario = {
  id: 'rabbitmq-unacked-messages',
  title: 'A RabbitMQ consumer holds hundreds of messages without acknowledging them',
  middleware: ['rabbitmq'],
  inject: (stack) =>
    induceFault('RabbitMQ unacked messages', async (cleanup) => {
      const queue = faultName('unacked');
      const connection = await amqp.connect(stack.clients.rabbitmqAmqp);
      connection.on('error', () => undefined);
      cleanup.add(() => connection.close());
      const admin = await connection.createChannel();
      cleanup.add(() => admin.deleteQueue(queue));
      await admin.assertQueue(queue, { durable: false, autoDelete: false });
      for (let index = 0; index < MESSAGES; index += 1) admin.sendToQueue(queue, Buffer.from(`order ${index}`));
      const consumer = await connection.createChannel();
      cleanup.add(() => consumer.close());
      await consumer.prefetch(MESSAGES + 200);
      let received = 0;
      await consumer.consume(queue, () => {
        received += 1;
      });
      const deadline = Date.now() + WAIT_MS;
      while (received < MESSAGES) {
        if (Date.now() > deadline) throw new Error(`only ${received} of ${MESSAGES} messages reached the consumer`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }),
  target: (stack) => ({ kind: 'instance', node: stack.nodes.rabbitmq, signal: 'messages_unacked' }),
  expected: (stack) => ({ node: stack.nodes.rabbitmq, faultClass: 'backlog' }),
};
