/**
 * Cross-middleware: Kafka consumer lag caused by a slow downstream database. The `orders-consumer` service
 * consumes a topic and writes each order to PostgreSQL; a transaction left idle holds the row it updates, so
 * its first write waits and it falls more than a thousand messages behind. The lag alert on Kafka is explained:
 * the cause is PostgreSQL. Declared topology: the consumer group's progress depends on the consumer service
 * (Kafka → service), which depends on PostgreSQL.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type Cleanup, faultName, induceFault } from '@kubestack/plugin-sdk';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import type { FaultBenchScenario, Stack } from '../../types.ts';

const SERVICE = 'orders-consumer';
/** Consumed and committed before the lock is taken: the group has offsets to lag behind. */
const CONSUMED_FIRST = 10;
/** Past the rule's warning (GROUP_LAG_WARNING, 1000). */
const BACKLOG = 1500;
/** Past the lock-blocker warning (5 s) by a scrape. */
const LOCK_WAIT_MS = 8_000;
const WAIT_MS = 30_000;

async function until(what: string, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await done().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

async function pgSession(stack: Stack, role: string, cleanup: Cleanup): Promise<Client> {
  const client = new Client({ connectionString: stack.connectors.postgresql, application_name: `${SERVICE}:${role}` });
  client.on('error', () => undefined);
  cleanup.add(() => client.end());
  await client.connect();
  await client.query('SET statement_timeout = 0; SET lock_timeout = 0; SET idle_in_transaction_session_timeout = 0');
  return client;
}

export const scenario: FaultBenchScenario = {
  id: 'kafka-lag-from-slow-database',
  title: 'Kafka consumer lag caused by the consumer waiting on a locked row in PostgreSQL',
  middleware: ['postgresql', 'kafka'],
  dependencies: (stack) => [
    { from: stack.nodes.kafka, to: `service:${SERVICE}` },
    { from: `service:${SERVICE}`, to: stack.nodes.postgresql },
  ],
  inject: (stack) =>
    induceFault('Kafka lag from a slow database', async (cleanup) => {
      const table = `kubestack_fault_orders_${process.pid}_${Date.now() % 1_000_000}`;
      const control = await pgSession(stack, 'control', cleanup);
      await control.query(`CREATE TABLE ${table} (id int PRIMARY KEY, orders int NOT NULL)`);
      cleanup.add(() => control.query(`DROP TABLE IF EXISTS ${table}`));
      await control.query(`INSERT INTO ${table} VALUES (1, 0)`);
      const writer = await pgSession(stack, 'writer', cleanup);

      const kafka = new Kafka({
        clientId: SERVICE,
        brokers: stack.clients.kafkaBrokers,
        retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2_000 },
        logLevel: logLevel.NOTHING,
      });
      const topic = faultName('orders');
      const groupId = `${topic}-group`;
      const admin = kafka.admin();
      cleanup.add(() => admin.disconnect());
      await admin.connect();
      cleanup.add(async () => {
        await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
        await admin.deleteGroups([groupId]).catch(() => undefined);
      });
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      const producer = kafka.producer();
      cleanup.add(() => producer.disconnect());
      await producer.connect();
      const send = (from: number, count: number) =>
        producer.send({
          topic,
          messages: Array.from({ length: count }, (_, i) => ({ value: JSON.stringify({ order: from + i }) })),
        });
      await send(0, CONSUMED_FIRST);

      const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000 });
      cleanup.add(() => consumer.disconnect());
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async () => {
          await writer.query(`UPDATE ${table} SET orders = orders + 1 WHERE id = 1`);
        },
      });
      await until(`the first ${CONSUMED_FIRST} orders to be committed`, async () => {
        const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
        return offsets?.partitions[0]?.offset === String(CONSUMED_FIRST);
      });

      // The database turns slow for the consumer: a transaction left idle holds the row every order updates.
      const holder = await pgSession(stack, 'report-job', cleanup);
      cleanup.add(() => holder.query('ROLLBACK'));
      await holder.query('BEGIN');
      await holder.query(`UPDATE ${table} SET orders = orders WHERE id = 1`);
      await send(CONSUMED_FIRST, BACKLOG);
      await sleep(LOCK_WAIT_MS);
    }),
  target: (stack) => ({ kind: 'alert', alertname: 'KafkaConsumerGroupLag', node: stack.nodes.kafka }),
  // The consumer's writes wait on a lock held by a transaction left open: both describe the database's fault.
  expected: (stack) => ({ node: stack.nodes.postgresql, faultClass: ['lock-contention', 'long-transaction'] }),
};
