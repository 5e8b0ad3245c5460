/**
 * The connector against a local stand-in for the Elasticsearch REST API: the requests it sends, the facts
 * it derives from the answers, and how it words failures the real cluster of the integration suite cannot
 * produce (authentication, a foreign server, a stalled answer).
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { collectFacts } from '@kubestack/plugin-sdk/testkit';
import plugin from '../../src/index.ts';

type Handler = (path: string, request: IncomingMessage, response: ServerResponse) => boolean;

const GiB = 2 ** 30;

function json(response: ServerResponse, status: number, body: unknown): true {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  return true;
}

function health(unassigned: number): Record<string, unknown> {
  return {
    cluster_name: 'logs',
    status: unassigned > 0 ? 'yellow' : 'green',
    number_of_nodes: 1,
    number_of_data_nodes: 1,
    active_shards: 4,
    active_primary_shards: 4,
    unassigned_shards: unassigned,
    initializing_shards: 0,
    relocating_shards: 0,
  };
}

/** A one-node cluster; `unassigned` shard copies of index `app` wait for a second node. */
function cluster(unassigned: number): Handler {
  return (path, _request, response) => {
    if (path === '/_cluster/health') return json(response, 200, health(unassigned));
    if (path === '/_nodes/stats/fs,jvm,thread_pool,breaker,indices/shard_stats') {
      return json(response, 200, {
        nodes: {
          abc: {
            name: 'es-0',
            roles: ['data_hot', 'master'],
            fs: { total: { total_in_bytes: 100 * GiB, available_in_bytes: 40 * GiB } },
            jvm: { mem: { heap_used_percent: 61, pools: { old: { used_in_bytes: 300, max_in_bytes: 1000 } } } },
            thread_pool: { write: { rejected: 3 }, search: { rejected: 0 } },
            breakers: { parent: { tripped: 2 }, request: { tripped: 0 } },
            indices: { shard_stats: { total_count: 4 } },
          },
        },
      });
    }
    if (path === '/_cluster/settings?include_defaults=true&flat_settings=true') {
      return json(response, 200, {
        persistent: { 'cluster.routing.allocation.disk.watermark.high': '80%' },
        transient: { 'cluster.max_shards_per_node': '500' },
        defaults: {
          'cluster.routing.allocation.disk.threshold_enabled': 'true',
          'cluster.routing.allocation.disk.watermark.low': '85%',
          'cluster.routing.allocation.disk.watermark.high': '90%',
          'cluster.routing.allocation.disk.watermark.high.max_headroom': '150gb',
          'cluster.routing.allocation.disk.watermark.flood_stage': '5gb',
        },
      });
    }
    if (
      path === '/_all/_settings/index.blocks.read_only_allow_delete?flat_settings=true&expand_wildcards=open%2Chidden'
    ) {
      return json(response, 200, {
        app: { settings: {} },
        'logs-b': { settings: { 'index.blocks.read_only_allow_delete': 'true' } },
        '.hidden-a': { settings: { 'index.blocks.read_only_allow_delete': 'true' } },
      });
    }
    if (path === '/_cat/shards?format=json&h=index%2Cshard%2Cprirep%2Cstate%2Cunassigned.reason') {
      return json(response, 200, [
        { index: 'app', shard: '0', prirep: 'p', state: 'STARTED', 'unassigned.reason': null },
        ...Array.from({ length: unassigned }, () => ({
          index: 'app',
          shard: '0',
          prirep: 'r',
          state: 'UNASSIGNED',
          'unassigned.reason': 'INDEX_CREATED',
        })),
      ]);
    }
    if (path === '/_cluster/allocation/explain') {
      if (unassigned === 0) return json(response, 400, { error: { type: 'illegal_argument_exception' }, status: 400 });
      return json(response, 200, {
        index: 'app',
        shard: 0,
        primary: false,
        unassigned_info: { reason: 'INDEX_CREATED' },
        allocate_explanation: 'cannot allocate',
        node_allocation_decisions: [
          {
            deciders: [
              { decider: 'max_retry', decision: 'YES', explanation: 'fine' },
              { decider: 'same_shard', decision: 'NO', explanation: 'a copy is already here' },
            ],
          },
        ],
      });
    }
    return false;
  };
}

describe('elasticsearch connector over REST', () => {
  let server: Server;
  let base: string;
  let handler: Handler;
  let seen: Array<{ method?: string; path: string; authorization?: string }>;

  before(async () => {
    server = createServer((request, response) => {
      const path = request.url ?? '';
      seen.push({ method: request.method, path, authorization: request.headers.authorization });
      if (!handler(path, request, response)) json(response, 404, { error: `no handler for ${path}` });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    seen = [];
  });
  after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('reads a healthy cluster with four GETs, credentials in a header', async () => {
    handler = cluster(0);
    const facts = await collectFacts(plugin, `http://elastic:s%40cret@${base}`);
    assert.deepEqual(seen.map((request) => request.method).sort(), ['GET', 'GET', 'GET', 'GET']);
    assert.ok(seen.every((request) => request.authorization === `Basic ${btoa('elastic:s@cret')}`));
    assert.deepEqual(facts.nodes, [
      {
        name: 'es-0',
        dataNode: true,
        diskTotalBytes: 100 * GiB,
        diskAvailableBytes: 40 * GiB,
        heapUsedRatio: 0.61,
        memoryPressure: 0.3,
        shards: 4,
        rejectedSinceStart: { write: 3 },
        breakerTripsSinceStart: { parent: 2 },
      },
    ]);
    assert.deepEqual(facts.watermarks, {
      enabled: true,
      low: { kind: 'ratio', usedRatio: 0.85, maxHeadroomBytes: null, text: '85%' },
      high: { kind: 'ratio', usedRatio: 0.8, maxHeadroomBytes: 150 * GiB, text: '80%' },
      floodStage: { kind: 'free', freeBytes: 5 * GiB, text: '5gb' },
    });
    assert.equal(facts.maxShardsPerNode, 500);
    assert.deepEqual(facts.readOnlyIndices, ['.hidden-a', 'logs-b']);
    assert.deepEqual([facts.unassigned, facts.unassignedPrimaryShards, facts.allocationExplanation], [[], 0, null]);
  });

  it('lists unassigned shards and explains the first', async () => {
    handler = cluster(2);
    const facts = await collectFacts(plugin, `http://${base}`);
    assert.equal(facts.status, 'yellow');
    assert.equal(facts.unassignedPrimaryShards, 0);
    assert.deepEqual(facts.unassigned, [
      { index: 'app', shard: 0, primary: false, reason: 'INDEX_CREATED' },
      { index: 'app', shard: 0, primary: false, reason: 'INDEX_CREATED' },
    ]);
    assert.deepEqual(facts.allocationExplanation, {
      index: 'app',
      shard: 0,
      primary: false,
      reason: 'INDEX_CREATED',
      decider: 'same_shard',
      explanation: 'a copy is already here',
    });
  });

  it('has no explanation when the shard got assigned meanwhile (allocation explain answers 400)', async () => {
    const shards = cluster(1);
    const assigned = cluster(0);
    handler = (path, request, response) =>
      (path.startsWith('/_cluster/allocation/explain') ? assigned : shards)(path, request, response);
    const facts = await collectFacts(plugin, `http://${base}`);
    assert.equal(facts.unassigned.length, 1);
    assert.equal(facts.allocationExplanation, null);
  });

  it('says authentication failed on HTTP 401, without the password', async () => {
    handler = (_path, _request, response) =>
      json(response, 401, { error: { type: 'security_exception', reason: 'unable to authenticate user [elastic]' } });
    await assert.rejects(collectFacts(plugin, `http://elastic:s3cret-pass@${base}`), (error: Error) => {
      assert.match(
        error.message,
        /^Elasticsearch 127\.0\.0\.1:\d+: [a-z ]+ failed \(authentication failed \(HTTP 401\)\)$/,
      );
      assert.ok(!error.message.includes('s3cret-pass'));
      return true;
    });
  });

  it('says which privilege is missing on HTTP 403', async () => {
    handler = (path, request, response) =>
      path.startsWith('/_nodes/')
        ? json(response, 403, {
            error: { type: 'security_exception', reason: 'action [cluster:monitor/nodes/stats] is unauthorized' },
          })
        : cluster(0)(path, request, response);
    await assert.rejects(collectFacts(plugin, `http://${base}`), {
      message:
        /: node stats failed \(not authorized \(HTTP 403\): security_exception: action \[cluster:monitor\/nodes\/stats\] is unauthorized\)$/,
    });
  });

  it('tells an answer that is not Elasticsearch apart', async () => {
    handler = (_path, _request, response) => json(response, 200, { hello: 'world' });
    await assert.rejects(collectFacts(plugin, `http://${base}`), {
      message: /: [a-z ]+ failed \(not an Elasticsearch answer\)$/,
    });
  });

  it('keeps one deadline for the whole collection', async () => {
    // Each request answers within the timeout; the shard listing after them does not fit in what is left.
    handler = (path, request, response) => {
      const delay = path.startsWith('/_cat/') ? 500 : 350;
      setTimeout(() => cluster(1)(path, request, response), delay);
      return true;
    };
    const started = Date.now();
    await assert.rejects(collectFacts(plugin, `http://${base}`, 600), {
      message: /: shard listing failed \(the collection took longer than 600 ms\)$/,
    });
    assert.ok(Date.now() - started < 900, `took ${Date.now() - started} ms`);
  });

  it('refuses a URL that is not http(s)', async () => {
    await assert.rejects(collectFacts(plugin, 'ftp://es.example:2121'), {
      message: 'Elasticsearch es.example:2121: the URL is not a valid http(s) URL',
    });
  });
});
