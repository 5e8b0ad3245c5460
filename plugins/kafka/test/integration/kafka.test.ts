/**
 * The connector and rules against a real Kafka broker: a healthy cluster stays silent; a consumer
 * group that committed early offsets is seen lagging while it has a member, and as an inactive group
 * with lag once it leaves. The topic and the group are deleted in `finally`.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { type Evidence, runRules } from '@kubestack/plugin-sdk';
import { collectFacts, contextFor, eventually, findingOf, serviceFromEnv } from '@kubestack/plugin-sdk/testkit';
import { Kafka, logLevel } from 'kafkajs';
import plugin from '../../src/index.ts';
import { GROUP_LAG_WARNING } from '../../src/rules.ts';

const service = serviceFromEnv('KAFKA_BROKERS');
const INDUCED = ['consumer-group-lag', 'inactive-group-with-lag', 'offline-partitions', 'under-replicated-partitions'];
const PARTITIONS = 2;
const MESSAGES = GROUP_LAG_WARNING + 500;
const COMMITTED = 10;

describe('kafka plugin against a real broker', { skip: service.skip }, () => {
  // KAFKA_BROKERS is host:port[,host:port], not a URL.
  const brokers = (service.url ?? '').split(',');
  const url = `kafka://${service.url}`;

  it('collects facts from a healthy cluster and the induced rules stay silent', async () => {
    const facts = await collectFacts(plugin, url);
    assert.notEqual(facts.controllerId, null);
    assert.ok(facts.brokers.length >= 1);
    const fired = runRules(plugin, contextFor(plugin, { facts })).map((finding) => finding.rule);
    assert.deepEqual(
      fired.filter((rule) => INDUCED.includes(rule)),
      [],
    );
  });

  it('sees a lagging group, then an inactive group with lag once its member leaves', async () => {
    const topic = `kubestack-it-${randomUUID().slice(0, 8)}`;
    const groupId = `${topic}-group`;
    const kafka = new Kafka({ clientId: 'kubestack-it', brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId });
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
      await producer.connect();
      await producer.send({
        topic,
        messages: Array.from({ length: MESSAGES }, (_, i) => ({ partition: i % PARTITIONS, value: `message ${i}` })),
      });

      // A member that commits an early offset on every partition and then consumes nothing.
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const joined = new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, resolve));
      await consumer.run({ autoCommit: false, eachMessage: async () => consumer.pause([{ topic }]) });
      await joined;
      consumer.pause([{ topic }]);
      const partitions = Array.from({ length: PARTITIONS }, (_, partition) => partition);
      await consumer.commitOffsets(partitions.map((partition) => ({ topic, partition, offset: String(COMMITTED) })));
      const expectedLag = MESSAGES - PARTITIONS * COMMITTED;

      const active = await findingFor(url, 'consumer-group-lag', groupId);
      assert.equal(factOf(active.evidence, `group ${groupId} lag`), expectedLag);
      assert.equal(factOf(active.evidence, `group ${groupId} members`), 1);
      assert.match(active.explanation, new RegExp(`"${groupId}" \\(Stable\\) is ${expectedLag} messages behind`));

      await consumer.disconnect();
      const inactive = await findingFor(url, 'inactive-group-with-lag', groupId);
      assert.equal(factOf(inactive.evidence, `group ${groupId} lag`), expectedLag);
      assert.equal(factOf(inactive.evidence, `group ${groupId} state`), 'Empty');
      assert.match(
        inactive.explanation,
        new RegExp(`"${groupId}" \\(Empty\\) is ${expectedLag} messages behind on ${topic}`),
      );
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.deleteGroups([groupId]).catch(() => undefined); // absent when the test failed before joining
      await admin.deleteTopics({ topics: [topic] });
      await admin.disconnect();
    }
  });

  it('rejects a refused connection naming Kafka, without the password', async () => {
    await assert.rejects(collectFacts(plugin, 'kafka://app:s3cret-pass@127.0.0.1:1', 2_000), (error: Error) => {
      assert.match(error.message, /^Apache Kafka 127\.0\.0\.1:1: cannot connect \(.*ECONNREFUSED/);
      assert.ok(!error.message.includes('s3cret-pass'));
      return true;
    });
  });
});

/** Polls real facts until `rule` fires with `groupId` in its evidence. */
async function findingFor(url: string, rule: string, groupId: string) {
  return eventually(`${rule} for ${groupId}`, async () => {
    const finding = findingOf(runRules(plugin, contextFor(plugin, { facts: await collectFacts(plugin, url) })), rule);
    return finding !== undefined && factOf(finding.evidence, `group ${groupId} lag`) !== undefined
      ? finding
      : undefined;
  });
}

function factOf(evidence: Evidence[], name: string): unknown {
  const found = evidence.find((item) => item.kind === 'fact' && item.name === name);
  return found?.kind === 'fact' ? found.value : undefined;
}
