/**
 * The connector and rules against a real RabbitMQ: a healthy broker stays silent; a backlog nobody
 * consumes, a queue at its max-length and a consumer that never acknowledges are seen from real facts.
 * Everything the suite creates is deleted in `finally`.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { type Evidence, runRules } from '@kubestack/plugin-sdk';
import { collectFacts, contextFor, eventually, findingOf, serviceFromEnv } from '@kubestack/plugin-sdk/testkit';
import { connect } from 'amqplib';
import plugin from '../../src/index.ts';
import { BACKLOG_WARNING, UNACKED_WARNING } from '../../src/rules.ts';

const management = serviceFromEnv('RABBITMQ_MANAGEMENT_URL');
const amqp = serviceFromEnv('RABBITMQ_URL');
const INDUCED = ['queue-backlog-without-consumers', 'queue-at-max-length', 'unacked-messages-piling-up'];

describe('rabbitmq plugin against a real broker', { skip: management.skip || amqp.skip }, () => {
  const managementUrl = management.url ?? '';
  const amqpUrl = amqp.url ?? '';

  it('collects facts from a healthy broker and the induced rules stay silent', async () => {
    const facts = await collectFacts(plugin, managementUrl);
    assert.match(facts.version, /^\d+\.\d+/);
    assert.ok(facts.nodes.length >= 1);
    assert.ok(facts.nodes.every((node) => node.running && node.memoryLimitBytes > 0 && node.diskFreeLimitBytes > 0));
    const fired = runRules(plugin, contextFor(plugin, { facts })).map((finding) => finding.rule);
    assert.deepEqual(
      fired.filter((rule) => INDUCED.includes(rule)),
      [],
    );
  });

  it('sees a backlog without consumers, a queue at its max-length and a consumer that never acks', async () => {
    const prefix = `kubestack-it-${randomUUID().slice(0, 8)}`;
    const backlog = `${prefix}-backlog`;
    const capped = `${prefix}-capped`;
    const stuck = `${prefix}-stuck`;
    const connection = await connect(amqpUrl);
    try {
      const publisher = await connection.createConfirmChannel();
      await publisher.assertQueue(backlog, { durable: false });
      await publisher.assertQueue(capped, { durable: false, arguments: { 'x-max-length': 50 } });
      await publisher.assertQueue(stuck, { durable: false });
      const publish = (queue: string, count: number) => {
        for (let i = 0; i < count; i += 1) publisher.sendToQueue(queue, Buffer.from(`message ${i}`));
      };
      publish(backlog, BACKLOG_WARNING + 500);
      publish(capped, 80);
      publish(stuck, 300);
      await publisher.waitForConfirms();

      // A consumer that takes its prefetch and never acknowledges.
      const consumer = await connection.createChannel();
      await consumer.prefetch(UNACKED_WARNING * 2);
      await consumer.consume(stuck, () => undefined, { noAck: false });

      // The management API aggregates statistics every few seconds.
      const findings = await eventually(
        'the three induced findings',
        async () => {
          const found = runRules(plugin, contextFor(plugin, { facts: await collectFacts(plugin, managementUrl) }));
          return INDUCED.every((rule) => findingOf(found, rule) !== undefined) ? found : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 1_000 },
      );

      const orphaned = findingOf(findings, 'queue-backlog-without-consumers');
      assert.equal(factOf(orphaned?.evidence, `queue "${backlog}" (vhost /) messages ready`), BACKLOG_WARNING + 500);

      const full = findingOf(findings, 'queue-at-max-length');
      assert.equal(full?.severity, 'critical');
      assert.equal(factOf(full?.evidence, `queue "${capped}" (vhost /) messages ready`), 50);
      assert.match(full?.explanation ?? '', /oldest messages are silently discarded/);

      const unacked = findingOf(findings, 'unacked-messages-piling-up');
      assert.equal(
        factOf(unacked?.evidence, `queue "${stuck}" (vhost /) messages unacknowledged`),
        UNACKED_WARNING * 2,
      );
      assert.equal(factOf(unacked?.evidence, `queue "${stuck}" (vhost /) acknowledgements per second`), 0);
    } finally {
      const cleanup = await connection.createChannel();
      for (const queue of [backlog, capped, stuck]) await cleanup.deleteQueue(queue);
      await connection.close();
    }
  });

  it('rejects a refused connection naming RabbitMQ, without the password', async () => {
    await assert.rejects(collectFacts(plugin, 'http://kubestack:s3cret-pass@127.0.0.1:1', 2_000), (error: Error) => {
      assert.match(error.message, /^RabbitMQ 127\.0\.0\.1:1: management API \/api\/\w+ unreachable/);
      assert.ok(!error.message.includes('s3cret-pass'));
      return true;
    });
  });
});

function factOf(evidence: Evidence[] | undefined, name: string): unknown {
  const found = evidence?.find((item) => item.kind === 'fact' && item.name === name);
  return found?.kind === 'fact' ? found.value : undefined;
}
