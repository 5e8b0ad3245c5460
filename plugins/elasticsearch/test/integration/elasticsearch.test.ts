/**
 * The connector and rules against a real Elasticsearch. This cluster is also the stack's log store:
 * the suite only creates and deletes its own uniquely named indices and changes no cluster setting.
 * Induced: a replica that a single node can never allocate (yellow, unassigned shard with the
 * allocation explanation) and an index carrying the read_only_allow_delete block.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { Client } from '@elastic/elasticsearch';
import { type Evidence, runRules } from '@kubestack/plugin-sdk';
import { collectFacts, contextFor, eventually, findingOf, serviceFromEnv } from '@kubestack/plugin-sdk/testkit';
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

  it('sees an unallocatable replica with its reason, and a read-only index', async () => {
    const prefix = `kubestack-it-${randomUUID().slice(0, 8)}`;
    const replicated = `${prefix}-replicated`;
    const blocked = `${prefix}-blocked`;
    const client = new Client({ node: url });
    try {
      const facts = await collectFacts(plugin, url);
      // One replica more than the data nodes can hold: it stays unassigned.
      await client.indices.create({
        index: replicated,
        settings: { number_of_shards: 1, number_of_replicas: facts.numberOfDataNodes },
      });
      await client.indices.create({ index: blocked, settings: { number_of_shards: 1, number_of_replicas: 0 } });
      await client.indices.putSettings({ index: blocked, settings: { 'index.blocks.read_only_allow_delete': true } });

      const findings = await eventually('the induced findings', async () => {
        const found = runRules(plugin, contextFor(plugin, { facts: await collectFacts(plugin, url) }));
        return INDUCED.every((rule) => findingOf(found, rule) !== undefined) ? found : undefined;
      });

      assert.equal(findingOf(findings, 'cluster-yellow')?.severity, 'warning');
      const unassigned = findingOf(findings, 'unassigned-shards');
      assert.equal(unassigned?.severity, 'warning');
      assert.equal(factOf(unassigned?.evidence, `unassigned shards of ${replicated}`), 1);
      assert.equal(factOf(unassigned?.evidence, `[${replicated}][0] refused by`), 'same_shard');
      assert.match(unassigned?.explanation ?? '', /a copy of this shard is already allocated to this node/);

      const readOnly = findingOf(findings, 'read-only-indices');
      assert.equal(readOnly?.severity, 'critical');
      assert.equal(factOf(readOnly?.evidence, `${blocked} index.blocks.read_only_allow_delete`), true);
      assert.match(readOnly?.explanation ?? '', new RegExp(`${blocked}.*the block is stale`));
    } finally {
      // Deleting is allowed despite the block (that is what "allow_delete" means).
      await client.indices.delete({ index: [replicated, blocked], ignore_unavailable: true });
      await client.close();
    }
  });

  it('rejects a refused connection naming Elasticsearch, without the password', async () => {
    await assert.rejects(collectFacts(plugin, 'http://elastic:s3cret-pass@127.0.0.1:1', 2_000), (error: Error) => {
      assert.match(error.message, /^Elasticsearch 127\.0\.0\.1:1: [a-z ]+ failed \(.*ECONNREFUSED/);
      assert.ok(!error.message.includes('s3cret-pass'));
      return true;
    });
  });
});

function factOf(evidence: Evidence[] | undefined, name: string): unknown {
  const found = evidence?.find((item) => item.kind === 'fact' && item.name === name);
  return found?.kind === 'fact' ? found.value : undefined;
}
