/**
 * The knowledge-base routes on the real plugins and their shipped cases: list, search, read, add and update,
 * roles on writes, 400s naming the field, 404 and 409; and 503 naming the knowledge base when its store
 * cannot be opened (a folder that cannot be created, an object store nobody answers), the rest of the API
 * still up.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import redis from '@kubestack/plugin-redis';
import type { FastifyInstance } from 'fastify';
import { IDENTITY_HEADERS } from '../../src/api/identity.ts';
import type { FaultCase } from '../../src/kb/case.ts';
import { loadShippedCases, type ShippedCases } from '../../src/kb/plugin-cases.ts';
import { PLUGINS } from '../../src/plugins/registry.ts';
import { AUTH, appWith, CLOSED_URL } from '../support.ts';

const SOURCES_DOWN = { KSA_PROMETHEUS_URL: CLOSED_URL, KSA_ELASTICSEARCH_URL: CLOSED_URL };
const as = (role: string) => ({ ...AUTH, [IDENTITY_HEADERS.role]: role, [IDENTITY_HEADERS.user]: `${role}-user` });

function newCase(fields: Partial<FaultCase> = {}): FaultCase {
  return {
    id: 'redis-operator-written-case',
    middleware: 'redis',
    title: 'Quokka cache stampede after the nightly flush',
    faultClass: 'load-surge',
    symptoms: ['every client misses the cache at once after FLUSHALL and the quokka service times out'],
    signals: [{ signal: redis.signals[0]?.id ?? 'missing', direction: 'up' }],
    logPatterns: ['quokka upstream timeout while refilling the cache'],
    rules: [],
    rootCause: 'A scheduled FLUSHALL empties the cache; every client refills it at once.',
    remediation: 'Stop flushing the whole cache; expire keys with jittered TTLs instead.',
    actions: [],
    references: [],
    version: 1,
    ...fields,
  };
}

describe('knowledge-base API', () => {
  let app: FastifyInstance;
  let shipped: ShippedCases;
  before(async () => {
    shipped = await loadShippedCases(PLUGINS);
    app = await appWith(SOURCES_DOWN, PLUGINS);
  });
  after(() => app.close());

  const get = (url: string, headers: Record<string, string> = AUTH) => app.inject({ url, headers });
  const write = (method: 'POST' | 'PUT', url: string, payload: unknown, role = 'operator') =>
    app.inject({ method, url, headers: as(role), payload: payload as Record<string, unknown> });

  it('lists the shipped cases by id without a query, with the total', async () => {
    const response = await get('/api/v1/kb/cases?limit=1000');
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.equal(body.retrieval, 'list');
    assert.equal(body.total, shipped.cases.length);
    const ids = body.results.map((result: { case: FaultCase }) => result.case.id);
    assert.deepEqual(ids, shipped.cases.map((faultCase) => faultCase.id).sort());
    assert.ok(body.results.every((result: { score: unknown }) => result.score === null));
  });

  it('filters the list by middleware and limits it', async () => {
    const response = await get('/api/v1/kb/cases?middleware=redis&limit=2');
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.equal(body.total, shipped.counts.redis);
    assert.ok(body.results.length <= 2);
    assert.ok(body.results.every((result: { case: FaultCase }) => result.case.middleware === 'redis'));
  });

  it('finds a shipped case from one of its log lines, marked as found by full text', async () => {
    const target = shipped.cases.find((faultCase) => faultCase.logPatterns.length > 0);
    assert.ok(target, 'no shipped case has a log pattern');
    const q = encodeURIComponent(target.logPatterns[0] ?? '');
    const response = await get(`/api/v1/kb/cases?q=${q}&limit=3`);
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.equal(body.retrieval, 'fulltext');
    assert.equal(body.vectorError, undefined);
    assert.ok(
      body.results.some((result: { case: FaultCase }) => result.case.id === target.id),
      `${target.id} not in the top 3 for its own log line`,
    );
    assert.deepEqual(body.results[0].retrievers, ['fulltext']);
    assert.equal(body.results[0].score, 1 / 61);
  });

  it('reads one case, and answers 404 for an unknown id', async () => {
    const target = shipped.cases[0];
    assert.ok(target);
    const response = await get(`/api/v1/kb/cases/${target.id}`);
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), target);
    const missing = await get('/api/v1/kb/cases/no-such-case');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().code, 'CASE_NOT_FOUND');
    assert.match(missing.json().message, /no case "no-such-case"/);
  });

  it('names the bad query parameter', async () => {
    const cases: Array<[string, RegExp]> = [
      ['middleware=oracle', /querystring\/middleware: no plugin "oracle" \(installed: redis, /],
      ['faultClass=meltdown', /querystring\/faultClass must be equal to one of the allowed values/],
      ['limit=0', /querystring\/limit must be >= 1/],
      ['sort=id', /must NOT have additional properties: "sort"/],
    ];
    for (const [query, message] of cases) {
      const response = await get(`/api/v1/kb/cases?${query}`);
      assert.equal(response.statusCode, 400, query);
      assert.match(response.json().message, message, query);
    }
  });

  it('lets a viewer read but not write', async () => {
    assert.equal((await get('/api/v1/kb/cases?limit=1', as('viewer'))).statusCode, 200);
    for (const [method, url] of [
      ['POST', '/api/v1/kb/cases'],
      ['PUT', '/api/v1/kb/cases/redis-operator-written-case'],
    ] as const) {
      // The role is checked before the body: a viewer learns nothing about what a valid case looks like.
      for (const payload of [newCase(), { id: 'x' }]) {
        const response = await write(method, url, payload, 'viewer');
        assert.equal(response.statusCode, 403, `${method} ${JSON.stringify(payload)}`);
        assert.equal(response.json().code, 'FORBIDDEN');
        assert.match(response.json().message, /needs the operator role; viewer-user has viewer/);
      }
    }
    const badRole = await write('POST', '/api/v1/kb/cases', newCase(), 'superuser');
    assert.equal(badRole.statusCode, 400);
    assert.equal(badRole.json().code, 'BAD_ROLE');
  });

  it('adds a case as an operator, then finds it, and refuses the same id again', async () => {
    const added = await write('POST', '/api/v1/kb/cases', newCase());
    assert.equal(added.statusCode, 201, added.body);
    assert.equal(added.headers.location, '/api/v1/kb/cases/redis-operator-written-case');
    assert.deepEqual(added.json(), newCase());
    assert.deepEqual((await get('/api/v1/kb/cases/redis-operator-written-case')).json(), newCase());
    const found = (await get('/api/v1/kb/cases?q=quokka%20stampede&limit=3')).json();
    assert.equal(found.results[0]?.case.id, 'redis-operator-written-case');
    const again = await write('POST', '/api/v1/kb/cases', newCase({ version: 5 }), 'admin');
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().code, 'CASE_CONFLICT');
  });

  it('updates a case only with a higher version and the id of the path', async () => {
    const url = '/api/v1/kb/cases/redis-operator-written-case';
    const mismatch = await write('PUT', url, newCase({ id: 'redis-some-other-case', version: 2 }));
    assert.equal(mismatch.statusCode, 400);
    assert.match(mismatch.json().message, /body\/id "redis-some-other-case" differs from the case in the path/);
    const same = await write('PUT', url, newCase({ version: 1, title: 'Same version again' }));
    assert.equal(same.statusCode, 409);
    assert.match(same.json().message, /stored at version 1; an update needs a higher version/);
    const updated = await write('PUT', url, newCase({ version: 2, title: 'Quokka stampede, revised' }), 'approver');
    assert.equal(updated.statusCode, 200, updated.body);
    assert.equal((await get(url)).json().title, 'Quokka stampede, revised');
    const unknown = await write('PUT', '/api/v1/kb/cases/redis-never-added', newCase({ id: 'redis-never-added' }));
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().code, 'CASE_NOT_FOUND');
  });

  it('answers 400 naming the field of a bad case, or what its plugin lacks', async () => {
    const { title: _title, ...untitled } = newCase({ id: 'redis-bad-body' });
    const cases: Array<[unknown, RegExp]> = [
      [untitled, /body must have required property 'title'/],
      [{ ...newCase({ id: 'redis-bad-body' }), severity: 'high' }, /must NOT have additional properties: "severity"/],
      [newCase({ id: 'Bad Id' }), /body\/id must match pattern/],
      [{ ...newCase({ id: 'redis-bad-body' }), faultClass: 'meltdown' }, /body\/faultClass must be equal to one of/],
      [newCase({ id: 'redis-bad-body', version: 0 }), /body\/version must be >= 1/],
      [newCase({ id: 'redis-bad-body', symptoms: [] }), /body\/symptoms must NOT have fewer than 1 items/],
      [
        newCase({
          id: 'redis-bad-body',
          signals: [{ signal: 'heap_used', direction: 'up' }],
          rules: ['no-such-rule'],
          actions: ['reboot-the-world'],
        }),
        /^body\/signals\/0\/signal: redis has no signal "heap_used"; body\/rules\/0: redis has no rule "no-such-rule"; body\/actions\/0: redis has no action "reboot-the-world"$/,
      ],
      [newCase({ id: 'redis-bad-body', middleware: 'oracle' }), /body\/middleware: no plugin "oracle" is installed/],
    ];
    for (const [payload, message] of cases) {
      const response = await write('POST', '/api/v1/kb/cases', payload);
      assert.equal(response.statusCode, 400, JSON.stringify(payload));
      assert.equal(response.json().code, 'BAD_REQUEST');
      assert.match(response.json().message, message);
    }
    assert.equal((await get('/api/v1/kb/cases/redis-bad-body')).statusCode, 404, 'nothing was half-written');
  });

  it('documents the routes under the knowledge tag', async () => {
    const spec = (await get('/openapi.json')).json();
    assert.ok(spec.tags.some((tag: { name: string }) => tag.name === 'knowledge'));
    for (const [path, methods] of [
      ['/api/v1/kb/cases', ['get', 'post']],
      ['/api/v1/kb/cases/{id}', ['get', 'put']],
    ] as const) {
      for (const method of methods) {
        assert.deepEqual(spec.paths[path]?.[method]?.tags, ['knowledge'], `${method} ${path}`);
      }
    }
    assert.ok(spec.paths['/api/v1/kb/cases'].post.requestBody, 'the case schema documents the body');
  });
});

describe('knowledge-base API without a usable store', () => {
  const root = mkdtempSync(join(tmpdir(), 'ksa-kb-api-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  async function expectUnavailable(app: FastifyInstance, location: RegExp) {
    assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200, 'the app itself is up');
    for (const request of [
      { url: '/api/v1/kb/cases?q=anything', headers: AUTH },
      { url: '/api/v1/kb/cases/redis-anything', headers: AUTH },
      { method: 'POST' as const, url: '/api/v1/kb/cases', headers: AUTH, payload: newCase() },
    ]) {
      const response = await app.inject(request);
      assert.equal(response.statusCode, 503, `${request.url}: ${response.body}`);
      const body = response.json();
      assert.equal(body.code, 'SOURCE_UNAVAILABLE');
      assert.equal(body.source, 'knowledge base');
      assert.match(body.message, /^knowledge base: cannot open /);
      assert.match(body.message, location);
    }
  }

  it('answers 503 naming the knowledge base when its folder cannot be created', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'not a folder');
    const app = await appWith({ ...SOURCES_DOWN, KSA_KB_URI: join(file, 'kb') }, PLUGINS);
    try {
      await expectUnavailable(app, /a-file\/kb/);
    } finally {
      await app.close();
    }
  });

  it('answers 503 naming the knowledge base when its object store does not answer', async () => {
    // A real S3 client (LanceDB's) against a loopback port nothing listens on.
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT: CLOSED_URL,
      AWS_ALLOW_HTTP: 'true',
      AWS_ACCESS_KEY_ID: 'test-key-id',
      AWS_SECRET_ACCESS_KEY: 'test-secret',
      AWS_REGION: 'us-east-1',
    });
    const app = await appWith({ ...SOURCES_DOWN, KSA_KB_URI: 's3://kubestack-kb/cases' }, PLUGINS);
    try {
      await expectUnavailable(app, /s3:\/\/kubestack-kb\/cases/);
    } finally {
      await app.close();
      process.env = saved;
    }
  });
});
