/**
 * The connector and rules against a real Kafka broker: a healthy cluster stays silent; a consumer
 * group that committed early offsets is seen lagging while it has a member, and as an inactive group
 * with lag once it leaves. Both come from the plugin's fault scenarios (src/faults.ts), whose undo
 * deletes the topic and the group.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertDiscoveredUp,
  assertFaultsFireUntilUndone,
  assertNotFired,
  collectFindings,
  collectRejects,
  duringFault,
  factValue,
  faultById,
  faultNamed,
  findingOf,
  serviceFromEnv,
} from '@kubestack/plugin-sdk/testkit';
import type { ConsumerGroup } from '../../src/connector.ts';
import { faults } from '../../src/faults.ts';
import plugin, { type Facts } from '../../src/index.ts';
import { GROUP_LAG_WARNING } from '../../src/rules.ts';

const service = serviceFromEnv('KAFKA_BROKERS');
const prometheus = serviceFromEnv('PROMETHEUS_URL');
const INDUCED = ['consumer-group-lag', 'inactive-group-with-lag', 'offline-partitions', 'under-replicated-partitions'];
/** What the fault scenarios produce: 1 500 messages over 2 partitions, offset 10 committed on each. */
const EXPECTED_LAG = GROUP_LAG_WARNING + 500 - 2 * 10;

describe('kafka plugin against a real broker', { skip: service.skip }, () => {
  // KAFKA_BROKERS is host:port[,host:port], not a URL.
  const url = `kafka://${service.url}`;

  it('collects facts from a healthy cluster and the induced rules stay silent', async () => {
    const { facts, fired } = await collectFindings(plugin, url);
    assert.notEqual(facts.controllerId, null);
    assert.ok(facts.brokers.length >= 1);
    assertNotFired(fired, INDUCED);
  });

  it('sees a group with a live member that falls behind', async () => {
    await duringFault(plugin, faultById(faults, 'consumer-group-lag'), url, ({ facts, findings }) => {
      const group = faultGroup(facts, 'stalled');
      const active = findingOf(findings, 'consumer-group-lag');
      assert.ok(active, 'consumer-group-lag did not fire');
      assert.equal(active.severity, 'warning');
      assert.equal(factValue(active.evidence, `group ${group.groupId} lag`), EXPECTED_LAG);
      assert.equal(factValue(active.evidence, `group ${group.groupId} members`), 1);
      assert.match(
        active.explanation,
        new RegExp(`"${group.groupId}" \\(Stable\\) is ${EXPECTED_LAG} messages behind`),
      );
    });
  });

  it('sees an inactive group with lag once its member left', async () => {
    await duringFault(plugin, faultById(faults, 'inactive-group-with-lag'), url, ({ facts, findings }) => {
      const group = faultGroup(facts, 'abandoned');
      const topic = group.partitions[0]?.topic ?? '';
      const inactive = findingOf(findings, 'inactive-group-with-lag');
      assert.ok(inactive, 'inactive-group-with-lag did not fire');
      assert.equal(factValue(inactive.evidence, `group ${group.groupId} lag`), EXPECTED_LAG);
      assert.equal(factValue(inactive.evidence, `group ${group.groupId} state`), 'Empty');
      assert.match(
        inactive.explanation,
        new RegExp(`"${group.groupId}" \\(Empty\\) is ${EXPECTED_LAG} messages behind on ${topic}`),
      );
    });
  });

  it('every fault scenario fires its rules from real facts, and they fall silent after undo', async (t) => {
    await assertFaultsFireUntilUndone(t, plugin, faults, url);
  });

  it('rejects a refused connection naming Kafka, without the password', async () => {
    await collectRejects(
      plugin,
      'kafka://app:s3cret-pass@127.0.0.1:1',
      /^Apache Kafka 127\.0\.0\.1:1: cannot connect \(.*ECONNREFUSED/,
      10_000,
    );
  });
});

/** The consumer group a fault scenario created for `role` (its name carries a random part). */
function faultGroup(facts: Facts, role: string): ConsumerGroup {
  const groupId = faultNamed(
    facts.groups.map((group) => group.groupId),
    role,
    '-group',
  );
  const group = facts.groups.find((each) => each.groupId === groupId);
  assert.ok(group);
  return group;
}

describe('kafka discovery in the real Prometheus', { skip: service.skip || prometheus.skip }, () => {
  it("lists the broker as up, with its scrape target labels, through the exporter's own metric", async () => {
    await assertDiscoveredUp(plugin, prometheus.url ?? '', (service.url ?? '').split(',')[0] ?? '');
  });
});
