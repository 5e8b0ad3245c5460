/** The HTTP contract that needs no live source: auth, the error shape, validation, OpenAPI, metrics. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { AUTH, appWith, CLOSED_URL, probePlugin } from '../support.ts';

describe('analyzer API without reachable sources', () => {
  let app: FastifyInstance;
  before(async () => {
    app = await appWith({ KSA_PROMETHEUS_URL: CLOSED_URL, KSA_ELASTICSEARCH_URL: CLOSED_URL }, [probePlugin]);
  });
  after(() => app.close());

  it('answers /healthz without a token', async () => {
    const response = await app.inject({ url: '/healthz' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.json().status, 'ok');
  });

  it('reports each unreachable source on /readyz with 503', async () => {
    const response = await app.inject({ url: '/readyz' });
    assert.equal(response.statusCode, 503);
    const body = response.json();
    assert.equal(body.status, 'unready');
    assert.equal(body.sources.prometheus.reachable, false);
    assert.match(body.sources.prometheus.error, /prometheus: cannot reach http:\/\/127\.0\.0\.1:2/);
    assert.equal(body.sources.elasticsearch.reachable, false);
    assert.match(body.sources.elasticsearch.error, /^elasticsearch: /);
  });

  for (const [what, headers, message] of [
    ['no token', {}, 'missing bearer token'],
    ['a wrong token', { authorization: 'Bearer not-the-token' }, 'invalid bearer token'],
    ['another scheme', { authorization: 'Basic dXNlcjpwYXNz' }, 'invalid bearer token'],
  ] as const) {
    it(`rejects ${what} with 401 in the one error shape`, async () => {
      const response = await app.inject({ url: '/api/v1/instances', headers });
      assert.equal(response.statusCode, 401);
      assert.equal(response.headers['www-authenticate'], 'Bearer');
      assert.deepEqual(response.json(), { statusCode: 401, error: 'Unauthorized', code: 'UNAUTHORIZED', message });
    });
  }

  it('guards /metrics and /openapi.json too', async () => {
    assert.equal((await app.inject({ url: '/metrics' })).statusCode, 401);
    assert.equal((await app.inject({ url: '/openapi.json' })).statusCode, 401);
  });

  it('answers 503 naming Prometheus when it cannot list instances', async () => {
    const response = await app.inject({ url: '/api/v1/instances', headers: AUTH });
    assert.equal(response.statusCode, 503);
    const body = response.json();
    assert.equal(body.code, 'SOURCE_UNAVAILABLE');
    assert.equal(body.source, 'prometheus');
    assert.match(body.message, /^prometheus: cannot reach/);
  });

  it('names the field of a malformed diagnose body', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{}, /body must have required property 'instance'/],
      [{ instance: 42 }, /body\/instance must be string/],
      [{ instance: 'redis:x', extra: 1 }, /body must NOT have additional properties/],
      [{ instance: 'redis:x', from: 'yesterday' }, /body\/from must be an RFC 3339 time or epoch milliseconds/],
      [{ instance: 'redis:x', from: 'Nov 25 2026' }, /body\/from must be an RFC 3339 time/],
      [{ instance: 'redis:x', to: '2026-11-25T10:00:00' }, /body\/to must be an RFC 3339 time/],
      [
        { instance: 'redis:x', from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' },
        /body\/from must be before body\/to/,
      ],
    ];
    for (const [payload, message] of cases) {
      const response = await app.inject({
        method: 'POST',
        url: '/api/v1/diagnose',
        headers: AUTH,
        payload: payload as object,
      });
      assert.equal(response.statusCode, 400, JSON.stringify(payload));
      assert.equal(response.json().code, 'BAD_REQUEST');
      assert.match(response.json().message, message);
    }
  });

  it('rejects a body that is not JSON with 400', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/diagnose',
      headers: { ...AUTH, 'content-type': 'application/json' },
      payload: '{"instance": ',
    });
    assert.equal(response.statusCode, 400);
    assert.equal(response.json().statusCode, 400);
  });

  it('keeps client errors raised by the framework in the closed set of codes', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/diagnose',
      headers: { ...AUTH, 'content-type': 'application/xml' },
      payload: '<instance>redis</instance>',
    });
    assert.equal(response.statusCode, 415);
    assert.equal(response.json().code, 'UNSUPPORTED_MEDIA_TYPE');
    const empty = await app.inject({
      method: 'POST',
      url: '/api/v1/diagnose',
      headers: { ...AUTH, 'content-type': 'application/json' },
      payload: '',
    });
    assert.equal(empty.statusCode, 400);
    assert.equal(empty.json().code, 'BAD_REQUEST');
  });

  it('names bad query parameters', async () => {
    const response = await app.inject({ url: '/api/v1/instances/x/logs?limit=0', headers: AUTH });
    assert.equal(response.statusCode, 400);
    assert.match(response.json().message, /querystring\/limit must be >= 1/);
  });

  it('answers unknown routes with 404 in the same shape', async () => {
    const response = await app.inject({ url: '/api/v1/nope', headers: AUTH });
    assert.equal(response.statusCode, 404);
    assert.deepEqual(response.json(), {
      statusCode: 404,
      error: 'Not Found',
      code: 'ROUTE_NOT_FOUND',
      message: 'no route GET /api/v1/nope',
    });
  });

  it('serves an OpenAPI document generated from the route schemas', async () => {
    const response = await app.inject({ url: '/openapi.json', headers: AUTH });
    assert.equal(response.statusCode, 200);
    const document = response.json();
    assert.equal(document.openapi, '3.1.0');
    for (const path of [
      '/healthz',
      '/readyz',
      '/api/v1/instances',
      '/api/v1/instances/{id}/signals',
      '/api/v1/instances/{id}/logs',
      '/api/v1/diagnose',
    ]) {
      assert.ok(document.paths[path], `missing ${path}`);
    }
    assert.ok(document.paths['/api/v1/diagnose'].post.requestBody);
    assert.deepEqual(document.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer' });
  });

  it('exposes its own metrics', async () => {
    const response = await app.inject({ url: '/metrics', headers: AUTH });
    assert.equal(response.statusCode, 200);
    assert.match(response.body, /ksa_http_request_duration_seconds_bucket/);
    assert.match(response.body, /ksa_process_resident_memory_bytes/);
  });
});
