/**
 * Cross-middleware: a RabbitMQ backlog caused by consumers stuck on a Redis lock. The `fulfilment-worker`
 * service takes a Redis lock for each message; a crashed holder left the lock without a TTL, so each of its
 * workers waits on the lock's release list (BLPOP) with one unacknowledged message, and the queue's backlog
 * grows. The queue's ready messages are explained: the cause is Redis. Declared topology: the queue's
 * draining depends on the worker service (RabbitMQ → service), which depends on Redis.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { faultName, induceFault } from '@kubestack/plugin-sdk';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import type { FaultBenchScenario } from '../../types.ts';

const SERVICE = 'fulfilment-worker';
/** Past the blocked-clients rule's growth (BLOCKED_CLIENTS_GROWTH, 10). */
const WORKERS = 12;
const BACKLOG = 1500;
const PUBLISH_PER_SECOND = 20;
const WAIT_MS = 30_000;

export const scenario: FaultBenchScenario = {
  id: 'rabbitmq-backlog-from-redis-lock',
  title: 'A RabbitMQ backlog caused by consumers stuck waiting on a Redis lock',
  middleware: ['redis', 'rabbitmq'],
  dependencies: (stack) => [
    { from: stack.nodes.rabbitmq, to: `service:${SERVICE}` },
    { from: `service:${SERVICE}`, to: stack.nodes.redis },
  ],
  inject: (stack) =>
    induceFault('RabbitMQ backlog from a Redis lock', async (cleanup) => {
      const prefix = `ksa-fault:${faultName('lock')}:`;
      const lock = `${prefix}lock:stock`;
      const released = `${prefix}released:stock`;
      const redisOptions = { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null };
      const admin = new Redis(stack.connectors.redis, redisOptions);
      admin.on('error', () => undefined);
      cleanup.add(() => admin.disconnect());
      await admin.connect();
      cleanup.add(() => admin.unlink(lock, released));
      // The crashed holder: no TTL, so nobody ever releases it.
      await admin.set(lock, 'worker-crashed', 'NX');

      const queue = faultName('fulfilment');
      const connection = await amqp.connect(stack.clients.rabbitmqAmqp);
      connection.on('error', () => undefined);
      cleanup.add(() => connection.close());
      const publisher = await connection.createChannel();
      cleanup.add(() => publisher.deleteQueue(queue));
      await publisher.assertQueue(queue, { durable: false, autoDelete: false });

      let waiting = 0;
      for (let worker = 0; worker < WORKERS; worker += 1) {
        const redis = new Redis(stack.connectors.redis, { ...redisOptions, connectionName: `${SERVICE}-${worker}` });
        redis.on('error', () => undefined);
        cleanup.add(() => redis.disconnect());
        await redis.connect();
        const channel = await connection.createChannel();
        await channel.prefetch(1);
        await channel.consume(queue, async (message) => {
          if (message === null) return;
          // Take the lock, or wait for its holder to hand it over (which never happens).
          while ((await redis.set(lock, `worker-${worker}`, 'PX', 30_000, 'NX').catch(() => null)) !== 'OK') {
            waiting += 1;
            const handedOver = await redis.blpop(released, 0).catch(() => null);
            waiting -= 1;
            if (handedOver === null) return; // disconnected by undo
          }
          channel.ack(message);
        });
      }
      const publish = (count: number) => {
        for (let index = 0; index < count; index += 1) publisher.sendToQueue(queue, Buffer.from(`shipment ${index}`));
      };
      publish(BACKLOG);
      const trickle = setInterval(() => publish(PUBLISH_PER_SECOND), 1000);
      cleanup.add(() => clearInterval(trickle));
      const deadline = Date.now() + WAIT_MS;
      while (waiting < WORKERS) {
        if (Date.now() > deadline) throw new Error(`only ${waiting} of ${WORKERS} workers are waiting on the lock`);
        await sleep(100);
      }
    }),
  target: (stack) => ({ kind: 'instance', node: stack.nodes.rabbitmq, signal: 'messages_ready' }),
  expected: (stack) => ({ node: stack.nodes.redis, faultClass: 'lock-contention' }),
};
