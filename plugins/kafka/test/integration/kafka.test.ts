/**
 * The connector and rules against a real Kafka broker: a healthy cluster stays silent; a consumer
 * group that committed early offsets is seen lagging while it has a member, and as an inactive group
 * with lag once it leaves. Both come from the plugin's fault scenarios (src/faults.ts), whose undo
 * deletes the topic and the group.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Evidence, type FaultScenario, runRules } from '@kubestack/plugin-sdk';
import {
  collectFacts,
  contextFor,
  findingOf,
  firedRules,
  serviceFromEnv,
  withFault,
} from '@kubestack/plugin-sdk/testkit';
import type { ConsumerGroup } from '../../src/connector.ts';
import { faults } from '../../src/faults.ts';
import plugin, { type Facts } from '../../src/index.ts';
import { GROUP_LAG_WARNING } from '../../src/rules.ts';

const service = serviceFromEnv('KAFKA_BROKERS');
const INDUCED = ['consumer-group-lag', 'inactive-group-with-lag', 'offline-partitions', 'under-replicated-partitions'];
/** What the fault scenarios produce: 1 500 messages over 2 partitions, offset 10 committed on each. */
const EXPECTED_LAG = GROUP_LAG_WARNING + 500 - 2 * 10;

describe('kafka plugin against a real broker', { skip: service.skip }, () => {
  // KAFKA_BROKERS is host:port[,host:port], not a URL.
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

  it('sees a group with a live member that falls behind', async () => {
    await withFault(faultById('consumer-group-lag'), url, async () => {
      const facts = await collectFacts(plugin, url);
      const group = faultGroup(facts, 'stalled');
      const active = findingOf(runRules(plugin, contextFor(plugin, { facts })), 'consumer-group-lag');
      assert.ok(active, 'consumer-group-lag did not fire');
      assert.equal(active.severity, 'warning');
      assert.equal(factOf(active.evidence, `group ${group.groupId} lag`), EXPECTED_LAG);
      assert.equal(factOf(active.evidence, `group ${group.groupId} members`), 1);
      assert.match(
        active.explanation,
        new RegExp(`"${group.groupId}" \\(Stable\\) is ${EXPECTED_LAG} messages behind`),
      );
    });
  });

  it('sees an inactive group with lag once its member left', async () => {
    await withFault(faultById('inactive-group-with-lag'), url, async () => {
      const facts = await collectFacts(plugin, url);
      const group = faultGroup(facts, 'abandoned');
      const topic = group.partitions[0]?.topic ?? '';
      const inactive = findingOf(runRules(plugin, contextFor(plugin, { facts })), 'inactive-group-with-lag');
      assert.ok(inactive, 'inactive-group-with-lag did not fire');
      assert.equal(factOf(inactive.evidence, `group ${group.groupId} lag`), EXPECTED_LAG);
      assert.equal(factOf(inactive.evidence, `group ${group.groupId} state`), 'Empty');
      assert.match(
        inactive.explanation,
        new RegExp(`"${group.groupId}" \\(Empty\\) is ${EXPECTED_LAG} messages behind on ${topic}`),
      );
    });
  });

  it('every fault scenario fires its rules from real facts, and they fall silent after undo', async (t) => {
    for (const scenario of faults) {
      await t.test(scenario.id, async () => {
        const fired = async () => firedRules(plugin, contextFor(plugin, { facts: await collectFacts(plugin, url) }));
        await withFault(scenario, url, async () => {
          const during = await fired();
          for (const rule of scenario.fires) {
            assert.ok(during.includes(rule), `${rule} did not fire; fired: ${during.join(', ')}`);
          }
        });
        const after = await fired();
        assert.deepEqual(
          scenario.fires.filter((rule) => after.includes(rule)),
          [],
        );
      });
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

function faultById(id: string): FaultScenario {
  const scenario = faults.find((fault) => fault.id === id);
  assert.ok(scenario, `no fault scenario ${id}`);
  return scenario;
}

/** The consumer group a fault scenario created for `role` (its name carries a random part). */
function faultGroup(facts: Facts, role: string): ConsumerGroup {
  const pattern = new RegExp(`^kubestack-fault-[0-9a-f]+-${role}-group$`);
  const groups = facts.groups.filter((group) => pattern.test(group.groupId));
  assert.equal(groups.length, 1, `groups matching ${pattern}: ${groups.map((group) => group.groupId).join(', ')}`);
  const [group] = groups;
  assert.ok(group);
  return group;
}

function factOf(evidence: Evidence[], name: string): unknown {
  const found = evidence.find((item) => item.kind === 'fact' && item.name === name);
  return found?.kind === 'fact' ? found.value : undefined;
}
