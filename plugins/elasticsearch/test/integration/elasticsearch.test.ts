/**
 * The connector and rules against a real Elasticsearch. This cluster is also the stack's log store:
 * the suite only creates and deletes its own uniquely named indices and changes no cluster setting.
 * Induced through the plugin's fault scenarios (src/faults.ts): a replica that the data nodes can never
 * allocate (yellow, unassigned shard with the allocation explanation) and an index carrying the
 * read_only_allow_delete block.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addressOf,
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
import { faults } from '../../src/faults.ts';
import plugin from '../../src/index.ts';

const service = serviceFromEnv('ELASTICSEARCH_URL');
const prometheus = serviceFromEnv('PROMETHEUS_URL');
const INDUCED = ['cluster-yellow', 'unassigned-shards', 'read-only-indices'];

describe('elasticsearch plugin against a real cluster', { skip: service.skip }, () => {
  const url = service.url ?? '';

  it('collects facts from a healthy cluster and the induced rules stay silent', async () => {
    const { facts, fired } = await collectFindings(plugin, url);
    assert.equal(facts.status, 'green');
    assert.ok(facts.nodes.length >= 1 && facts.nodes.some((node) => node.dataNode));
    for (const node of facts.nodes) {
      assert.ok(node.diskTotalBytes > 0 && node.diskAvailableBytes <= node.diskTotalBytes, node.name);
      assert.ok(node.heapUsedRatio > 0 && node.heapUsedRatio <= 1, `${node.name} heap ${node.heapUsedRatio}`);
      assert.ok(node.memoryPressure !== null && node.memoryPressure >= 0 && node.memoryPressure <= 1, node.name);
    }
    assert.equal(
      facts.nodes.reduce((sum, node) => sum + node.shards, 0),
      facts.activeShards,
    );
    // The stack keeps Elasticsearch's default watermarks: used-space ratios, each capped by a headroom.
    const { low, high, floodStage } = facts.watermarks;
    const ratio = (mark: typeof low) => (mark?.kind === 'ratio' ? mark.usedRatio : Number.NaN);
    assert.ok(
      0 < ratio(low) && ratio(low) < ratio(high) && ratio(high) < ratio(floodStage) && ratio(floodStage) < 1,
      JSON.stringify(facts.watermarks),
    );
    assert.ok(facts.maxShardsPerNode > 0);
    assert.deepEqual([facts.unassigned, facts.unassignedPrimaryShards, facts.allocationExplanation], [[], 0, null]);
    assertNotFired(fired, INDUCED);
  });

  it('sees an unallocatable replica with its reason', async () => {
    await duringFault(plugin, faultById(faults, 'unassignable-replica'), url, ({ facts, findings }) => {
      const replicated = faultNamed(
        facts.unassigned.map((shard) => shard.index),
        'replicated',
      );
      assert.equal(findingOf(findings, 'cluster-yellow')?.severity, 'warning');
      const unassigned = findingOf(findings, 'unassigned-shards');
      assert.equal(unassigned?.severity, 'warning');
      assert.equal(factValue(unassigned?.evidence, `unassigned shards of ${replicated}`), 1);
      assert.equal(factValue(unassigned?.evidence, `[${replicated}][0] refused by`), 'same_shard');
      assert.match(unassigned?.explanation ?? '', /a copy of this shard is already allocated to this node/);
    });
  });

  it('sees a read-only index', async () => {
    await duringFault(plugin, faultById(faults, 'read-only-index'), url, ({ facts, findings }) => {
      const blocked = faultNamed(facts.readOnlyIndices, 'blocked');
      const readOnly = findingOf(findings, 'read-only-indices');
      assert.equal(readOnly?.severity, 'critical');
      assert.equal(factValue(readOnly?.evidence, `${blocked} index.blocks.read_only_allow_delete`), true);
      assert.match(readOnly?.explanation ?? '', new RegExp(`${blocked}.*the block is stale`));
    });
  });

  it('every fault scenario fires its rules from real facts, and they fall silent after undo', async (t) => {
    await assertFaultsFireUntilUndone(t, plugin, faults, url);
  });

  it('rejects a refused connection naming Elasticsearch, without the password', async () => {
    await collectRejects(
      plugin,
      'http://elastic:s3cret-pass@127.0.0.1:2',
      /^Elasticsearch 127\.0\.0\.1:2: [a-z ]+ failed \(.*ECONNREFUSED/,
      10_000,
    );
  });
});

describe('elasticsearch discovery in the real Prometheus', { skip: service.skip || prometheus.skip }, () => {
  it("lists the cluster as up, with its scrape target labels, through the exporter's own metric", async () => {
    await assertDiscoveredUp(plugin, prometheus.url ?? '', addressOf(service.url ?? ''));
  });
});
