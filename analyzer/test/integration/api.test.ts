/**
 * The analyzer end to end on the real local stack: inventory through Prometheus, signals, logs from
 * Elasticsearch, diagnosis with real connectors — and what happens when a source or a middleware fails.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addressOf, eventually, serviceFromEnv } from '@kubestack/plugin-sdk/testkit';
import type { FastifyInstance } from 'fastify';
import { PLUGINS } from '../../src/plugins/registry.ts';
import { AUTH, appWith, CLOSED_URL, diagnose } from '../support.ts';

const prometheus = serviceFromEnv('KSA_PROMETHEUS_URL');
const elasticsearch = serviceFromEnv('KSA_ELASTICSEARCH_URL');
const skip = prometheus.skip || elasticsearch.skip;
/** The stack's Redis, as the analyzer names it. */
const REDIS_ID = `redis:${addressOf(process.env.REDIS_URL || 'redis://127.0.0.1:16379')}`;
/**
 * Signals the local stack may lack: it runs no replicas, and a hit ratio needs key lookups (none may
 * have happened yet on a fresh stack). Every other signal must have data.
 */
const MAY_BE_EMPTY: Record<string, string[]> = {
  mysql: ['replication-lag', 'replication-running'],
  postgresql: ['replication-lag-bytes'],
  redis: ['master_link_up', 'keyspace_hit_ratio'],
};
const unexpectedlyEmpty = (type: string, empty: string[]) => empty.filter((id) => !MAY_BE_EMPTY[type]?.includes(id));
const TYPES = ['elasticsearch', 'kafka', 'mysql', 'postgresql', 'rabbitmq', 'redis'];

/** The stack's settings as the analyzer reads them (KSA_* from `stack/env.sh`), minus `without`. */
function stackEnv(overrides: Record<string, string> = {}, without: string[] = []): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('KSA_') && value && !without.includes(name)) env[name] = value;
  }
  return { ...env, KSA_INVENTORY_CACHE_SECONDS: '0', ...overrides };
}

interface Listed {
  id: string;
  type: string;
  name: string;
  up: boolean;
  labels: Record<string, string>;
  health: { status: string; lastDiagnosis: { worst: string; findings: number } | null };
}

describe('analyzer on the real stack', { skip }, () => {
  let app: FastifyInstance;
  let instances: Listed[];
  before(async () => {
    app = await appWith(stackEnv(), PLUGINS);
    // Exporters need a scrape or two after the stack starts.
    instances = await eventually('every middleware to be discovered and up', async () => {
      const response = await app.inject({ url: '/api/v1/instances', headers: AUTH });
      assert.equal(response.statusCode, 200, response.body);
      const listed = response.json().instances as Listed[];
      const upTypes = new Set(listed.filter((instance) => instance.up).map((instance) => instance.type));
      return TYPES.every((type) => upTypes.has(type)) ? listed : undefined;
    });
    // Rates need a few scrapes after the stack starts: wait until every signal that can have data has it.
    await eventually(
      'every key signal to have data',
      async () => {
        for (const instance of instances) {
          const response = await diagnose(app, instance.id);
          if (unexpectedlyEmpty(instance.type, response.json().signalsMissing).length > 0) return undefined;
        }
        return true;
      },
      { timeoutMs: 90_000, intervalMs: 2000 },
    );
  });
  after(() => app.close());

  const byType = (type: string): Listed => {
    const found = instances.find((instance) => instance.type === type);
    assert.ok(found, `no ${type} instance`);
    return found;
  };

  it('lists every middleware of the stack with type, labels and health', () => {
    for (const type of TYPES) {
      const instance = byType(type);
      assert.equal(instance.id, `${type}:${instance.name}`);
      assert.match(instance.name, /^127\.0\.0\.1:\d+$/);
      assert.equal(instance.labels.instance, instance.name);
      assert.equal(instance.labels.host, '127.0.0.1');
      assert.equal(instance.health.status, 'up');
    }
  });

  it('filters the fleet by type', async () => {
    const response = await app.inject({ url: '/api/v1/instances?type=redis', headers: AUTH });
    const listed = response.json().instances as Listed[];
    assert.ok(listed.length >= 1);
    assert.ok(listed.every((instance) => instance.type === 'redis'));
  });

  it("serves every instance's key signals as series, with saturation limits", async () => {
    for (const type of TYPES) {
      const instance = byType(type);
      const response = await app.inject({
        url: `/api/v1/instances/${encodeURIComponent(instance.id)}/signals?from=${Date.now() - 10 * 60_000}`,
        headers: AUTH,
      });
      assert.equal(response.statusCode, 200, response.body);
      const { signals } = response.json() as {
        signals: Array<{
          id: string;
          timestamps: number[];
          values: Array<number | null>;
          limit: { value: number } | null;
        }>;
      };
      const empty = signals
        .filter((signal) => signal.values.every((value) => value === null))
        .map((signal) => signal.id);
      assert.deepEqual(unexpectedlyEmpty(type, empty), [], `${type}: signals without data`);
      for (const signal of signals) assert.equal(signal.timestamps.length, signal.values.length);
    }
    const redis = await app.inject({
      url: `/api/v1/instances/${encodeURIComponent(byType('redis').id)}/signals`,
      headers: AUTH,
    });
    assert.ok(
      redis.json().signals.some((signal: { limit: { value: number } | null }) => (signal.limit?.value ?? 0) > 0),
      'Redis memory is measured against maxmemory',
    );
  });

  it("serves an instance's log lines and level counts from Elasticsearch", async () => {
    for (const type of TYPES) {
      const instance = byType(type);
      const body = await eventually(`${type} log lines in Elasticsearch`, async () => {
        const response = await app.inject({
          url: `/api/v1/instances/${encodeURIComponent(instance.id)}/logs?from=${Date.now() - 6 * 3600_000}&limit=5`,
          headers: AUTH,
        });
        assert.equal(response.statusCode, 200, response.body);
        const json = response.json();
        return json.total > 0 ? json : undefined;
      });
      assert.ok(body.lines.length > 0 && body.lines.length <= 5);
      assert.ok(Object.values(body.levels as Record<string, number>).reduce((a, b) => a + b, 0) >= body.total);
      for (const line of body.lines) assert.ok(['error', 'warning', 'info', 'debug'].includes(line.level), line.level);
    }
  });

  it('diagnoses every instance with findings ordered by severity and readable evidence', async () => {
    const order = { critical: 0, warning: 1, info: 2 } as const;
    for (const instance of instances) {
      const response = await diagnose(app, instance.id);
      assert.equal(response.statusCode, 200, response.body);
      const report = response.json();
      assert.equal(report.instance.id, instance.id);
      assert.equal(report.partial, false);
      assert.deepEqual(
        report.connector,
        { configured: true, ok: true },
        `${instance.id} connector: ${report.connector.error}`,
      );
      assert.deepEqual(unexpectedlyEmpty(instance.type, report.signalsMissing), [], `${instance.id} signals missing`);
      assert.deepEqual(report.signalsAmbiguous, []);
      assert.ok(report.signals.length > 0);
      assert.equal(report.logs.available, true);
      const ranks = report.findings.map((finding: { severity: keyof typeof order }) => order[finding.severity]);
      assert.deepEqual(
        ranks,
        [...ranks].sort((a, b) => a - b),
      );
      for (const finding of report.findings) {
        assert.ok(finding.explanation.length > 20);
        assert.match(finding.id, /^[a-z]+\.[a-z0-9-]+$/);
      }
    }
    const listed = await app.inject({ url: '/api/v1/instances', headers: AUTH });
    for (const instance of listed.json().instances as Listed[]) {
      assert.ok(instance.health.lastDiagnosis, `${instance.id} has a last diagnosis`);
    }
  });

  it('finds nothing wrong with the healthy stack once it has settled', async () => {
    // The last minute only: this suite runs before any other suite induces faults, and a minute keeps
    // a quick re-run from seeing the previous run's undone faults. Brokers just started are busy (JIT,
    // log recovery), so the stack gets up to 90 s to settle; a finding that stays fails the test.
    const seriousFindings = async () => {
      const from = new Date(Date.now() - 60_000).toISOString();
      const serious: Record<string, string[]> = {};
      for (const instance of instances) {
        const response = await diagnose(app, instance.id, { from });
        const ids = (response.json().findings as Array<{ id: string; severity: string }>)
          .filter((finding) => finding.severity !== 'info')
          .map((finding) => finding.id);
        if (ids.length > 0) serious[instance.id] = ids;
      }
      return serious;
    };
    let last: Record<string, string[]> = {};
    const settled = await eventually(
      'no warning or critical finding on the healthy stack',
      async () => {
        last = await seriousFindings();
        return Object.keys(last).length === 0 ? true : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 5000 },
    ).catch(() => false);
    assert.ok(settled, `still found on a healthy stack: ${JSON.stringify(last)}`);
  });

  it('answers 404 for an unknown instance, naming it', async () => {
    const response = await diagnose(app, 'redis:10.9.9.9:1');
    assert.equal(response.statusCode, 404);
    assert.equal(response.json().code, 'INSTANCE_NOT_FOUND');
    assert.match(response.json().message, /no instance "redis:10\.9\.9\.9:1"/);
    const signals = await app.inject({ url: '/api/v1/instances/nope/signals', headers: AUTH });
    assert.equal(signals.statusCode, 404);
  });
});

describe('analyzer when a source or a middleware fails', { skip }, () => {
  it('returns a partial diagnosis when Elasticsearch is down', async () => {
    const app = await appWith(stackEnv({ KSA_ELASTICSEARCH_URL: CLOSED_URL }), PLUGINS);
    try {
      const ready = await app.inject({ url: '/readyz' });
      assert.equal(ready.statusCode, 200);
      assert.equal(ready.json().status, 'degraded');
      assert.equal(ready.json().sources.elasticsearch.reachable, false);
      const response = await diagnose(app, REDIS_ID);
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json().partial, true);
      assert.deepEqual(response.json().unavailable, ['elasticsearch']);
      assert.equal(response.json().logs.available, false);
      const logs = await app.inject({ url: `/api/v1/instances/${REDIS_ID}/logs`, headers: AUTH });
      assert.equal(logs.statusCode, 503);
      assert.equal(logs.json().source, 'elasticsearch');
    } finally {
      await app.close();
    }
  });

  it('goes on without logs, marked partial, when Elasticsearch rejects the log query', async () => {
    // Someone's own log indices with dynamic mappings: log.level is text, so a terms aggregation fails.
    const index = `ksa-test-textmapped-${process.pid}`;
    const url = process.env.KSA_ELASTICSEARCH_URL ?? '';
    const created = await fetch(`${url}/${index}/_doc?refresh=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ '@timestamp': new Date().toISOString(), log: { level: 'error' }, message: 'x' }),
    });
    assert.ok(created.ok, await created.text());
    const app = await appWith(stackEnv({ KSA_ELASTICSEARCH_INDEX: index }), PLUGINS);
    try {
      const diagnosis = await diagnose(app, REDIS_ID);
      assert.equal(diagnosis.statusCode, 200, diagnosis.body);
      assert.equal(diagnosis.json().partial, true);
      assert.deepEqual(diagnosis.json().unavailable, ['elasticsearch']);
      const logs = await app.inject({ url: `/api/v1/instances/${REDIS_ID}/logs`, headers: AUTH });
      assert.equal(logs.statusCode, 502);
      assert.equal(logs.json().code, 'SOURCE_QUERY_FAILED');
      assert.equal(logs.json().source, 'elasticsearch');
    } finally {
      await app.close();
      await fetch(`${url}/${index}`, { method: 'DELETE' });
    }
  });

  it('runs the rules without facts, and says so, when no connection URL is configured', async () => {
    const app = await appWith(stackEnv({}, ['KSA_CONNECTOR_POSTGRESQL_URL']), PLUGINS);
    try {
      const id = `postgresql:${addressOf(process.env.POSTGRES_URL || 'postgres://127.0.0.1:15432')}`;
      const response = await diagnose(app, id);
      assert.equal(response.statusCode, 200, response.body);
      const report = response.json();
      assert.deepEqual(report.connector, { configured: false, ok: false });
      const finding = report.findings.find((f: { id: string }) => f.id === 'analyzer.connector-not-configured');
      assert.equal(finding?.severity, 'info');
      assert.match(finding?.explanation ?? '', /KSA_CONNECTOR_POSTGRESQL_URL/);
      assert.ok(report.signals.length > 0, 'signals are still read');
    } finally {
      await app.close();
    }
  });

  it('answers 503 naming Prometheus when it is down', async () => {
    const app = await appWith(stackEnv({ KSA_PROMETHEUS_URL: CLOSED_URL }), PLUGINS);
    try {
      const response = await diagnose(app, REDIS_ID);
      assert.equal(response.statusCode, 503);
      assert.equal(response.json().source, 'prometheus');
      assert.match(response.json().message, /^prometheus: cannot reach/);
    } finally {
      await app.close();
    }
  });

  it('turns a middleware that refuses the connector into a finding', async () => {
    const app = await appWith(stackEnv({ KSA_CONNECTOR_REDIS_URL: 'redis://:hunter2@127.0.0.1:1' }), PLUGINS);
    try {
      const response = await diagnose(app, REDIS_ID);
      assert.equal(response.statusCode, 200, response.body);
      const report = response.json();
      assert.equal(report.connector.ok, false);
      const finding = report.findings.find((f: { id: string }) => f.id === 'analyzer.connector-failed');
      assert.ok(finding, 'a finding says the direct checks failed');
      assert.equal(finding.severity, 'warning');
      assert.doesNotMatch(response.body, /hunter2/);
    } finally {
      await app.close();
    }
  });
});
