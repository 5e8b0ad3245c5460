/**
 * The connector and rules against the real Redis of the local stack. Faults come from the plugin's
 * fault scenarios (src/faults.ts), undone by `withFault`. The server is shared with other suites: keys
 * carry a `ksa-test:` or `ksa-fault:` prefix and go away, every CONFIG SET / ACL change is undone, and
 * nothing is flushed or reset.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type Finding, renderQuery, runRules } from '@kubestack/plugin-sdk';
import {
  addressOf,
  assertDiscoveredUp,
  assertFaultsFireUntilUndone,
  assertNotFired,
  collectFacts,
  collectRejects,
  collectTimesOut,
  contextFor,
  duringFault,
  eventually,
  factValue,
  faultById,
  findingOf,
  serviceFromEnv,
  withFault,
} from '@kubestack/plugin-sdk/testkit';
import { Redis } from 'ioredis';
import { faults } from '../../src/faults.ts';
import plugin, { type Facts } from '../../src/index.ts';

const PREFIX = 'ksa-test:';
const service = serviceFromEnv('REDIS_URL');
const prometheus = serviceFromEnv('PROMETHEUS_URL');

function findingsFrom(url: string, facts: Facts, windowFrom?: Date): Finding[] {
  const ctx = contextFor(plugin, { instance: addressOf(url), facts });
  if (windowFrom !== undefined) ctx.window.from = windowFrom;
  return runRules(plugin, ctx);
}

describe('redis connector and rules on a real server', { skip: service.skip }, () => {
  const url = service.url ?? '';
  const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });

  before(async () => {
    await admin.connect();
  });
  after(() => {
    admin.disconnect();
  });

  async function configGet(name: string): Promise<string> {
    const [, value] = (await admin.config('GET', name)) as [string, string];
    return value;
  }

  test('collects every fact from a healthy server, and the memory rules stay silent', async () => {
    const facts = await collectFacts(plugin, url);
    assert.match(facts.server.version, /^\d+\.\d+\.\d+$/);
    assert.equal(facts.server.role, 'master');
    assert.ok(facts.memory.usedBytes > 0);
    assert.ok(facts.clients.connected >= 1);
    assert.deepEqual(facts.unavailable, {});
    assert.equal(facts.config?.maxmemoryBytes, facts.memory.maxmemoryBytes);
    assert.ok(facts.slowlog !== undefined && facts.slowlog.length >= 0);
    assert.ok(facts.clientList !== undefined && facts.clientList.count >= 1);
    assertNotFired(
      findingsFrom(url, facts).map((finding) => finding.rule),
      ['memory-near-limit-noeviction', 'evicting-keys'],
    );
  });

  test('memory near maxmemory under noeviction fires from real facts, and undo restores the limit', async () => {
    const originalMaxmemory = await configGet('maxmemory');
    const originalPolicy = await configGet('maxmemory-policy');
    await duringFault(
      plugin,
      faultById(faults, 'memory-near-maxmemory-noeviction'),
      url,
      async ({ facts, findings }) => {
        const limit = Number(await configGet('maxmemory'));
        assert.ok(limit > 0 && limit !== Number(originalMaxmemory), `maxmemory ${limit}`);
        assert.equal(facts.memory.maxmemoryBytes, limit);
        const finding = findingOf(findings, 'memory-near-limit-noeviction');
        assert.ok(finding, `not fired at ${facts.memory.usedBytes} of ${limit} bytes`);
        const share = facts.memory.usedBytes / limit;
        assert.equal(finding.severity, share >= 0.95 ? 'critical' : 'warning');
        assert.equal(factValue(finding.evidence, 'maxmemory'), limit);
        assert.equal(factValue(finding.evidence, 'maxmemory_policy'), 'noeviction');
      },
    );
    assert.equal(await configGet('maxmemory'), originalMaxmemory);
    assert.equal(await configGet('maxmemory-policy'), originalPolicy);
  });

  test('a client blocked in BLPOP fires the blocked-clients rule', async () => {
    await duringFault(plugin, faultById(faults, 'client-blocked-in-blpop'), url, ({ facts, findings }) => {
      assert.ok(facts.clients.blocked > 0);
      assert.ok((facts.clientList?.blocked ?? 0) >= 1);
      const finding = findingOf(findings, 'blocked-clients');
      assert.ok(finding);
      assert.equal(factValue(finding.evidence, 'blocked_clients'), facts.clients.blocked);
    });
  });

  test('slow commands: logged fast ones stay silent', async () => {
    const original = await configGet('slowlog-log-slower-than');
    // Whole seconds: slow log entries carry Unix seconds.
    const since = new Date(Math.floor(Date.now() / 1000) * 1000);
    try {
      await admin.config('SET', 'slowlog-log-slower-than', '0');
      for (let index = 0; index < 20; index += 1) await admin.get(`${PREFIX}absent:${index}`);
      const fast = await collectFacts(plugin, url);
      assert.equal(fast.config?.slowlogLogSlowerThanMicros, 0);
      assert.equal(fast.slowlog?.recent.length, 10);
      assert.equal(findingOf(findingsFrom(url, fast, since), 'slow-commands'), undefined);
    } finally {
      await admin.config('SET', 'slowlog-log-slower-than', original);
    }
  });

  test('slow commands: a 30 ms script fires, arguments never leak', async () => {
    const original = await configGet('slowlog-log-slower-than');
    const since = new Date(Math.floor(Date.now() / 1000) * 1000);
    await withFault(faultById(faults, 'slow-command'), url, async () => {
      const facts = await collectFacts(plugin, url);
      assert.equal(facts.config?.slowlogLogSlowerThanMicros, Number(original));
      const entry = facts.slowlog?.recent.find((item) => item.command === 'EVAL [3 args]');
      assert.ok(entry, `no EVAL among ${JSON.stringify(facts.slowlog?.recent)}`);
      assert.ok(entry.durationMicros >= 30_000);
      assert.doesNotMatch(JSON.stringify(facts.slowlog), /redis\.call|TIME|30000/);
      const finding = findingOf(findingsFrom(url, facts, since), 'slow-commands');
      assert.ok(finding);
      assert.ok(Number(factValue(finding.evidence, 'slowest_duration_us')) >= 30_000);
    });
    assert.equal(await configGet('slowlog-log-slower-than'), original);
  });

  test('every fault scenario fires its rules from real facts, and they fall silent after undo', async (t) => {
    await assertFaultsFireUntilUndone(t, plugin, faults, url);
  });

  test('without CONFIG permission the other facts are still collected', async () => {
    const user = `ksa-test-no-config-${process.pid}`;
    const password = randomBytes(12).toString('hex');
    await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, '~*', '&*', '+@all', '-config');
    try {
      const limited = new URL(url);
      limited.username = encodeURIComponent(user);
      limited.password = password;
      const facts = await collectFacts(plugin, limited.toString());
      assert.equal(facts.config, undefined);
      assert.match(facts.unavailable.config ?? '', /NOPERM/);
      assert.ok(facts.slowlog !== undefined && facts.clientList !== undefined);
      // INFO still gives maxmemory and the policy.
      assert.ok(facts.memory.maxmemoryBytes !== undefined && facts.memory.maxmemoryPolicy !== undefined);
    } finally {
      await admin.call('ACL', 'DELUSER', user);
    }
  });
});

describe('redis connector failures', () => {
  test('a refused connection rejects naming Redis and the address, never the URL or password', async () => {
    const error = await collectRejects(
      plugin,
      'redis://:s3cret-pass@127.0.0.1:1',
      /^Redis 127\.0\.0\.1:1: cannot connect: .*ECONNREFUSED/,
      10_000,
    );
    assert.doesNotMatch(error.message, /s3cret|redis:\/\//);
  });

  test('a server that accepts but never answers rejects within the timeout', async () => {
    // The message shows the command timeout fired; the wall-clock bound only catches a hang.
    await collectTimesOut(
      plugin,
      (port) => `redis://127.0.0.1:${port}`,
      () => /^Redis 127\.0\.0\.1:\d+: INFO failed: Command timed out$/,
      { timeoutMs: 1_000, withinMs: 20_000 },
    );
  });
});

describe('redis signals in the real Prometheus', { skip: service.skip || prometheus.skip }, () => {
  /** Absent by design on the stack: a master has no master link; no lookups in the last minute, no ratio. */
  const absentHere = new Set(['master_link_up', 'keyspace_hit_ratio']);

  async function seriesCount(query: string): Promise<number> {
    const response = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(query)}`);
    const body = (await response.json()) as { status: string; data?: { result: unknown[] } };
    assert.equal(body.status, 'success', query);
    return body.data?.result.length ?? 0;
  }

  test('every signal and limit query returns one series for the instance', async () => {
    const instance = addressOf(service.url ?? '');
    for (const signal of plugin.signals.filter((spec) => !absentHere.has(spec.id))) {
      const queries = [signal.query, ...(signal.limit ? [signal.limit.query] : [])];
      for (const template of queries) {
        const query = renderQuery(template, instance);
        // Rates need two scrapes (5 s apart) after the exporter started.
        await eventually(
          `a series for ${signal.id}`,
          async () => ((await seriesCount(query)) === 1 ? true : undefined),
          {
            timeoutMs: 15_000,
          },
        );
      }
    }
  });
});

describe('redis discovery in the real Prometheus', { skip: service.skip || prometheus.skip }, () => {
  test("lists the server as up, with its scrape target labels, through the exporter's own metric", async () => {
    await assertDiscoveredUp(plugin, prometheus.url ?? '', addressOf(service.url ?? ''));
  });
});
