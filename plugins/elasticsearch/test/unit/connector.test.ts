/**
 * The connector against a local stand-in for the Elasticsearch REST API, only for what the real cluster
 * of the stack cannot produce: it runs without security (no HTTP 401 or 403), it is Elasticsearch (no
 * foreign server), it answers promptly (no stall against the overall deadline), and a shard that gets
 * assigned between the shard listing and the allocation explanation is a race it cannot stage. Healthy
 * and unassigned-shard answers come from the real cluster in the integration suite.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { collectFacts } from '@kubestack/plugin-sdk/testkit';
import plugin from '../../src/index.ts';

type Handler = (path: string, request: IncomingMessage, response: ServerResponse) => boolean;

function json(response: ServerResponse, status: number, body: unknown): true {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  return true;
}

/**
 * The least a one-node cluster answers for the connector to get past each step: `unassigned` copies of
 * shard 0 of index `app` wait for a second node, and the allocation explanation answers `explain`.
 */
function minimalCluster(unassigned: number, explain: 'explained' | 'assigned meanwhile'): Handler {
  return (path, _request, response) => {
    const route = path.split('?')[0];
    if (route === '/_cluster/health') {
      return json(response, 200, {
        cluster_name: 'logs',
        status: unassigned > 0 ? 'yellow' : 'green',
        number_of_nodes: 1,
        number_of_data_nodes: 1,
        active_shards: 1,
        active_primary_shards: 1,
        unassigned_shards: unassigned,
        initializing_shards: 0,
        relocating_shards: 0,
      });
    }
    if (route?.startsWith('/_nodes/stats/')) return json(response, 200, { nodes: {} });
    if (route === '/_cluster/settings') return json(response, 200, { persistent: {}, transient: {}, defaults: {} });
    if (route?.startsWith('/_all/_settings/')) return json(response, 200, {});
    if (route === '/_cat/shards') {
      return json(
        response,
        200,
        Array.from({ length: unassigned }, () => ({ index: 'app', shard: '0', prirep: 'r', state: 'UNASSIGNED' })),
      );
    }
    if (route === '/_cluster/allocation/explain') {
      // What Elasticsearch answers when no shard is unassigned any more.
      if (explain === 'assigned meanwhile') {
        return json(response, 400, { error: { type: 'illegal_argument_exception' }, status: 400 });
      }
      return json(response, 200, { index: 'app', shard: 0, primary: false, allocate_explanation: 'cannot allocate' });
    }
    return false;
  };
}

describe('elasticsearch connector over REST, where the real cluster cannot go', () => {
  let server: Server;
  let base: string;
  let handler: Handler;

  before(async () => {
    server = createServer((request, response) => {
      const path = request.url ?? '';
      if (!handler(path, request, response)) json(response, 404, { error: `no handler for ${path}` });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('has no explanation when the shard got assigned meanwhile (allocation explain answers 400)', async () => {
    handler = minimalCluster(1, 'assigned meanwhile');
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
        : minimalCluster(0, 'explained')(path, request, response);
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
    // The first four requests answer at half the timeout; the shard listing after them never does. One
    // deadline for the collection fails it at the timeout, naming the collection; a per-request timeout
    // alone would wait a full timeout more and say the request got no answer. Both sides have half a
    // timeout (3 s) of margin against a slow machine.
    const timeoutMs = 6_000;
    const cluster = minimalCluster(1, 'explained');
    handler = (path, request, response) => {
      if (path.startsWith('/_cat/')) return true;
      setTimeout(() => cluster(path, request, response), timeoutMs / 2);
      return true;
    };
    await assert.rejects(collectFacts(plugin, `http://${base}`, timeoutMs), {
      message: /: shard listing failed \(the collection took longer than 6000 ms\)$/,
    });
  });

  it('refuses a URL that is not http(s)', async () => {
    await assert.rejects(collectFacts(plugin, 'ftp://es.example:2121'), {
      message: 'Elasticsearch es.example:2121: the URL is not a valid http(s) URL',
    });
  });
});
