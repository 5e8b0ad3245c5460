import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { HttpError, JsonHttp } from '../../src/http.ts';

describe('JsonHttp against a local HTTP server', () => {
  let server: Server;
  let base: string;
  const seen: Array<{ method?: string; url?: string; authorization?: string; type?: string; body: string }> = [];

  before(async () => {
    server = createServer(async (request: IncomingMessage, response) => {
      let body = '';
      for await (const chunk of request) body += chunk;
      seen.push({
        method: request.method,
        url: request.url,
        authorization: request.headers.authorization,
        type: request.headers['content-type'],
        body,
      });
      if (request.url?.startsWith('/slow')) return void setTimeout(() => response.end('{}'), 500);
      if (request.url?.startsWith('/fail'))
        return void response.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"down"}');
      if (request.url?.startsWith('/text')) return void response.end('not json');
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ ok: true, url: request.url }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends URL credentials as a Basic header and keeps them out of its base', async () => {
    const http = new JsonHttp(base.replace('http://', 'http://user:s%40cret@'), { timeoutMs: 1000 });
    assert.equal(http.base, base);
    assert.deepEqual(await http.request('/x', { query: { a: 1, b: undefined } }), { ok: true, url: '/x?a=1' });
    assert.equal(seen.at(-1)?.authorization, `Basic ${Buffer.from('user:s@cret').toString('base64')}`);
  });

  it('encodes JSON and form bodies', async () => {
    const http = new JsonHttp(base, { timeoutMs: 1000 });
    await http.request('/json', { json: { q: 1 } });
    assert.deepEqual(
      [seen.at(-1)?.method, seen.at(-1)?.type, seen.at(-1)?.body],
      ['POST', 'application/json', '{"q":1}'],
    );
    await http.request('/form', { form: new URLSearchParams({ query: 'up' }) });
    assert.deepEqual([seen.at(-1)?.type, seen.at(-1)?.body], ['application/x-www-form-urlencoded', 'query=up']);
  });

  it('tells a status error (with its JSON body), a bad body, a timeout and an unreachable server apart', async () => {
    const http = new JsonHttp(`${base.replace('http://', 'http://u:topsecret@')}`, { timeoutMs: 200 });
    await assert.rejects(http.request('/fail'), (error: unknown) => {
      assert.ok(error instanceof HttpError);
      assert.deepEqual([error.failure, error.status, error.body], ['status', 503, { error: 'down' }]);
      return true;
    });
    await assert.rejects(http.request('/text'), { failure: 'bad_body' });
    await assert.rejects(http.request('/slow'), { failure: 'timeout' });
    const down = new JsonHttp('http://u:topsecret@127.0.0.1:2', { timeoutMs: 500 });
    await assert.rejects(down.request('/'), (error: unknown) => {
      assert.ok(error instanceof HttpError);
      assert.equal(error.failure, 'unreachable');
      assert.doesNotMatch(error.message, /topsecret/);
      return true;
    });
  });
});
