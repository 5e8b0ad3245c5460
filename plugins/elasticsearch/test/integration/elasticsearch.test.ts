/**
 * The connector and rules against a real Elasticsearch. This cluster is also the stack's log store:
 * the suite only creates and deletes its own uniquely named indices and changes no cluster setting.
 * Induced through the plugin's fault scenarios (src/faults.ts): a replica that the data nodes can never
 * allocate (yellow, unassigned shard with the allocation explanation) and an index carrying the
 * read_only_allow_delete block.
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
import { faults } from '../../src/faults.ts';
import plugin from '../../src/index.ts';

const service = serviceFromEnv('ELASTICSEARCH_URL');
const INDUCED = ['cluster-yellow', 'unassigned-shards', 'read-only-indices'];

describe('elasticsearch plugin against a real cluster', { skip: service.skip }, () => {
  const url = service.url ?? '';

  it('collects facts from a healthy cluster and the induced rules stay silent', async () => {
    const facts = await collectFacts(plugin, url);
    assert.equal(facts.status, 'green');
    assert.ok(facts.nodes.length >= 1 && facts.nodes.every((node) => node.diskTotalBytes > 0));
    assert.notEqual(facts.watermarks.floodStage, null);
    const fired = runRules(plugin, contextFor(plugin, { facts })).map((finding) => finding.rule);
    assert.deepEqual(
      fired.filter((rule) => INDUCED.includes(rule)),
      [],
    );
  });

  it('sees an unallocatable replica with its reason', async () => {
    await withFault(faultById('unassignable-replica'), url, async () => {
      const facts = await collectFacts(plugin, url);
      const replicated = faultIndex(
        facts.unassigned.map((shard) => shard.index),
        'replicated',
      );
      const findings = runRules(plugin, contextFor(plugin, { facts }));
      assert.equal(findingOf(findings, 'cluster-yellow')?.severity, 'warning');
      const unassigned = findingOf(findings, 'unassigned-shards');
      assert.equal(unassigned?.severity, 'warning');
      assert.equal(factOf(unassigned?.evidence, `unassigned shards of ${replicated}`), 1);
      assert.equal(factOf(unassigned?.evidence, `[${replicated}][0] refused by`), 'same_shard');
      assert.match(unassigned?.explanation ?? '', /a copy of this shard is already allocated to this node/);
    });
  });

  it('sees a read-only index', async () => {
    await withFault(faultById('read-only-index'), url, async () => {
      const facts = await collectFacts(plugin, url);
      const blocked = faultIndex(facts.readOnlyIndices, 'blocked');
      const readOnly = findingOf(runRules(plugin, contextFor(plugin, { facts })), 'read-only-indices');
      assert.equal(readOnly?.severity, 'critical');
      assert.equal(factOf(readOnly?.evidence, `${blocked} index.blocks.read_only_allow_delete`), true);
      assert.match(readOnly?.explanation ?? '', new RegExp(`${blocked}.*the block is stale`));
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

  it('rejects a refused connection naming Elasticsearch, without the password', async () => {
    await assert.rejects(collectFacts(plugin, 'http://elastic:s3cret-pass@127.0.0.1:2', 2_000), (error: Error) => {
      assert.match(error.message, /^Elasticsearch 127\.0\.0\.1:2: [a-z ]+ failed \(.*ECONNREFUSED/);
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

/** The index a fault scenario created for `role` among `indices` (its name carries a random part). */
function faultIndex(indices: string[], role: string): string {
  const pattern = new RegExp(`^kubestack-fault-[0-9a-f]+-${role}$`);
  const matching = [...new Set(indices.filter((index) => pattern.test(index)))];
  assert.equal(matching.length, 1, `indices matching ${pattern}: ${matching.join(', ')}`);
  return matching[0] ?? '';
}

function factOf(evidence: Evidence[] | undefined, name: string): unknown {
  const found = evidence?.find((item) => item.kind === 'fact' && item.name === name);
  return found?.kind === 'fact' ? found.value : undefined;
}
