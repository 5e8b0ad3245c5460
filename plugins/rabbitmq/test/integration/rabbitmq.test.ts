/**
 * The connector and rules against a real RabbitMQ: a healthy broker stays silent; a backlog nobody
 * consumes and a queue at its max-length (the plugin's fault scenarios, src/faults.ts) and a consumer
 * that never acknowledges are seen from real facts. Everything the suite creates is deleted.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  addressOf,
  assertDiscoveredUp,
  assertFaultsFireUntilUndone,
  assertNotFired,
  collectFindings,
  collectRejects,
  collectTimesOut,
  duringFault,
  eventually,
  factValue,
  faultById,
  faultNamed,
  findingOf,
  serviceFromEnv,
} from '@kubestack/plugin-sdk/testkit';
import { connect } from 'amqplib';
import { faults } from '../../src/faults.ts';
import plugin from '../../src/index.ts';
import { BACKLOG_WARNING, UNACKED_WARNING } from '../../src/rules.ts';

const management = serviceFromEnv('RABBITMQ_MANAGEMENT_URL');
const amqp = serviceFromEnv('RABBITMQ_URL');
const prometheus = serviceFromEnv('PROMETHEUS_URL');
const INDUCED = ['queue-backlog-without-consumers', 'queue-at-max-length', 'unacked-messages-piling-up'];

describe('rabbitmq plugin against a real broker', { skip: management.skip }, () => {
  const managementUrl = management.url ?? '';

  it('collects facts from a healthy broker and the induced rules stay silent', async () => {
    const { facts, fired } = await collectFindings(plugin, managementUrl);
    assert.match(facts.version, /^\d+\.\d+/);
    assert.ok(facts.nodes.length >= 1);
    assert.ok(facts.nodes.every((node) => node.running && node.memoryLimitBytes > 0 && node.diskFreeLimitBytes > 0));
    assertNotFired(fired, INDUCED);
  });

  it('sees a backlog without consumers', async () => {
    await duringFault(
      plugin,
      faultById(faults, 'queue-backlog-without-consumers'),
      managementUrl,
      ({ facts, findings }) => {
        const backlog = faultNamed(
          facts.queues.map((queue) => queue.name),
          'backlog',
        );
        const orphaned = findingOf(findings, 'queue-backlog-without-consumers');
        assert.equal(orphaned?.severity, 'warning');
        assert.equal(
          factValue(orphaned?.evidence, `queue "${backlog}" (vhost /) messages ready`),
          BACKLOG_WARNING + 500,
        );
        assert.equal(factValue(orphaned?.evidence, `queue "${backlog}" (vhost /) consumers`), 0);
      },
    );
  });

  it('sees a queue at its max-length', async () => {
    await duringFault(plugin, faultById(faults, 'queue-at-max-length'), managementUrl, ({ facts, findings }) => {
      const capped = faultNamed(
        facts.queues.map((queue) => queue.name),
        'capped',
      );
      const full = findingOf(findings, 'queue-at-max-length');
      assert.equal(full?.severity, 'critical');
      assert.equal(factValue(full?.evidence, `queue "${capped}" (vhost /) messages ready`), 50);
      assert.match(full?.explanation ?? '', /oldest messages are silently discarded/);
    });
  });

  it('every fault scenario fires its rules from real facts, and they fall silent after undo', async (t) => {
    await assertFaultsFireUntilUndone(t, plugin, faults, managementUrl);
  });

  // Not a fault scenario: a consumer that never acknowledges needs an AMQP connection, not the management URL.
  it('sees a consumer that never acks', { skip: amqp.skip }, async () => {
    const stuck = `kubestack-it-${randomUUID().slice(0, 8)}-stuck`;
    const connection = await connect(amqp.url ?? '');
    try {
      const publisher = await connection.createConfirmChannel();
      await publisher.assertQueue(stuck, { durable: false });
      for (let i = 0; i < 300; i += 1) publisher.sendToQueue(stuck, Buffer.from(`message ${i}`));
      await publisher.waitForConfirms();

      // A consumer that takes its prefetch and never acknowledges.
      const consumer = await connection.createChannel();
      await consumer.prefetch(UNACKED_WARNING * 2);
      await consumer.consume(stuck, () => undefined, { noAck: false });

      // The management API aggregates statistics every few seconds.
      const unacked = await eventually(
        'the unacked-messages finding',
        async () => findingOf((await collectFindings(plugin, managementUrl)).findings, 'unacked-messages-piling-up'),
        { timeoutMs: 30_000, intervalMs: 1_000 },
      );
      assert.equal(
        factValue(unacked.evidence, `queue "${stuck}" (vhost /) messages unacknowledged`),
        UNACKED_WARNING * 2,
      );
      assert.equal(factValue(unacked.evidence, `queue "${stuck}" (vhost /) acknowledgements per second`), 0);
    } finally {
      const cleanup = await connection.createChannel();
      await cleanup.deleteQueue(stuck);
      await connection.close();
    }
  });

  it('rejects a refused connection naming RabbitMQ and the step, without the password', async () => {
    await collectRejects(
      plugin,
      'http://kubestack:s3cret-pass@127.0.0.1:2',
      /^RabbitMQ 127\.0\.0\.1:2: (overview|node list|queue list) failed \(cannot reach .*ECONNREFUSED\)$/,
      10_000,
    );
  });

  it('says the broker refused the login, without the password', async () => {
    const wrong = new URL(managementUrl);
    wrong.password = 's3cret-wrong-pass';
    await collectRejects(
      plugin,
      wrong.href,
      /^RabbitMQ [\d.]+:\d+: (overview|node list|queue list) failed \(not authorized \(HTTP 401: not_authorized: Login failed\); the user needs the "monitoring" tag\)$/,
      10_000,
    );
  });

  it("tells a server that is not the management API apart (the stack's Prometheus)", {
    skip: prometheus.skip,
  }, async () => {
    await collectRejects(
      plugin,
      prometheus.url ?? '',
      /^RabbitMQ [\d.]+:\d+: (overview|node list|queue list) failed \(not found \(HTTP 404\); is this the management API URL\?\)$/,
      10_000,
    );
  });
});

// A stand-in: the real broker cannot be made to accept connections and never answer.
describe('rabbitmq connector against a server that never answers', () => {
  it('gives up within its timeout, naming RabbitMQ and the step', async () => {
    // The message shows the request timeout fired; the wall-clock bound only catches a hang.
    await collectTimesOut(
      plugin,
      (port) => `http://kubestack:s3cret-pass@127.0.0.1:${port}`,
      (port) =>
        new RegExp(
          `^RabbitMQ 127\\.0\\.0\\.1:${port}: (overview|node list|queue list) failed \\(no answer from http://127\\.0\\.0\\.1:${port} within 1000 ms\\)$`,
        ),
      { timeoutMs: 1_000, withinMs: 20_000 },
    );
  });
});

describe('rabbitmq discovery in the real Prometheus', { skip: amqp.skip || prometheus.skip }, () => {
  it("lists the node as up, with its scrape target labels, through the exporter's own metric", async () => {
    await assertDiscoveredUp(plugin, prometheus.url ?? '', addressOf(amqp.url ?? ''));
  });
});
