/**
 * The connector and rules against a real PostgreSQL (POSTGRES_URL, a superuser). Induces every fault scenario
 * of src/faults.ts (a lock held by an idle transaction, idle sessions filling the connection slots) and a
 * transaction left idle past the rule's 60 s threshold, and undoes them; drops a connection through a proxy.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Finding } from '@kubestack/plugin-sdk';
import {
  assertFaultsFireUntilUndone,
  assertNotFired,
  collectFacts,
  collectFindings,
  collectRejects,
  collectTimesOut,
  dropAfterLoginProxy,
  duringFault,
  eventually,
  factValue,
  faultById,
  findingOf,
  serviceFromEnv,
} from '@kubestack/plugin-sdk/testkit';
import { Client } from 'pg';
import { FAULT_TAG, faults } from '../../src/faults.ts';
import plugin from '../../src/index.ts';
import { THRESHOLDS } from '../../src/rules.ts';
import { readyForQuery } from './drop-proxy.ts';

const service = serviceFromEnv('POSTGRES_URL');
const TABLE = `kubestack_test_locks_${process.pid}`;
const ROW_LOCK = 'row-lock-held-by-idle-transaction';

/** The rule's finding once its evidence names `pid`: other sessions on a shared server do not count. */
async function firedFor(url: string, rule: string, evidence: string, pid: number): Promise<Finding | undefined> {
  const finding = findingOf((await collectFindings(plugin, url)).findings, rule);
  return finding !== undefined && factValue(finding.evidence, evidence) === pid ? finding : undefined;
}

/** A session of its own, with the server's timeouts off so only the test decides how long it waits. */
async function session(url: string): Promise<{ client: Client; pid: number }> {
  const client = new Client({ connectionString: url, application_name: 'kubestack-test' });
  await client.connect();
  await client.query(`SET statement_timeout = 0; SET lock_timeout = 0; SET idle_in_transaction_session_timeout = 0`);
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return { client, pid: rows[0]?.pid ?? 0 };
}

describe('postgresql plugin against a real server', { skip: service.skip }, () => {
  const url = service.url ?? '';

  before(async () => {
    const { client } = await session(url);
    try {
      await client.query(`CREATE TABLE ${TABLE} (id int PRIMARY KEY, stock int NOT NULL)`);
      await client.query(`INSERT INTO ${TABLE} VALUES (1, 10)`);
    } finally {
      await client.end();
    }
  });

  after(async () => {
    const { client } = await session(url);
    try {
      await client.query(`DROP TABLE IF EXISTS ${TABLE}`);
    } finally {
      await client.end();
    }
  });

  it('collects facts from a healthy server, and the lock and idle rules stay silent', async () => {
    const { facts, fired } = await collectFindings(plugin, url);
    assert.match(facts.serverVersion, /^\d+/);
    assert.ok(facts.settings.maxConnections > facts.settings.superuserReservedConnections);
    assert.ok(facts.connections.total >= 1, 'the connector counts at least its own session');
    assert.ok(facts.databases.some((db) => db.name === new URL(url).pathname.slice(1)));
    assert.equal(facts.replication.inRecovery, false);
    assertNotFired(fired, ['lock-blocker', 'idle-in-transaction']);
  });

  it('names the idle transaction that holds a lock another session waits on', async () => {
    await duringFault(plugin, faultById(faults, ROW_LOCK), url, ({ facts, findings, fired }) => {
      // Comments do not reach the facts: the scenario's sessions are known by their application_name.
      const wait = facts.lockWaits.find(
        (lockWait) =>
          lockWait.application?.startsWith(`${FAULT_TAG}:${process.pid}_`) &&
          lockWait.application.endsWith(':lock-waiter'),
      );
      assert.ok(wait !== undefined, "the scenario's UPDATE waits on a lock");
      assert.match(
        wait.query ?? '',
        /^UPDATE \/\* … \*\/ kubestack_fault_\d+_\d+ SET stock = stock - \? WHERE id = \?$/,
        'the statement without its comment or literals',
      );
      assert.equal(wait.blockedBy.length, 1, `blocked by ${wait.blockedBy.join(', ')}`);
      const [holder = 0] = wait.blockedBy;
      const finding = findingOf(findings, 'lock-blocker');
      assert.ok(finding !== undefined, `fired: ${fired.join(', ')}`);
      assert.equal(factValue(finding.evidence, 'blocking pid'), holder);
      assert.deepEqual(
        facts.blockers.find((blocker) => blocker.pid === holder)?.blocks,
        [wait.pid],
        'pg_blocking_pids maps the holder to the waiter',
      );
      assert.equal(facts.blockers.find((blocker) => blocker.pid === holder)?.session?.state, 'idle in transaction');
      assert.equal(factValue(finding.evidence, 'pids blocked by it'), String(wait.pid));
      assert.match(finding.explanation, new RegExp(`terminate-lock-blocker, pid ${holder}`));
      assert.deepEqual(finding.actions, ['terminate-lock-blocker', 'cancel-backend']);
    });
  });

  it("keeps other sessions' statements without their literals or comments", async () => {
    const busy = await session(url);
    const secret = `kubestack-secret-${process.pid}`;
    const running = busy.client.query(`SELECT pg_sleep(30) /* ${secret} */, '${secret}' AS password, 4242 AS pin`);
    running.catch(() => undefined);
    const { client: control } = await session(url);
    try {
      const facts = await eventually('the statement to show as active', async () => {
        const read = await collectFacts(plugin, url);
        return read.activeQueries.some((active) => active.pid === busy.pid) ? read : undefined;
      });
      const active = facts.activeQueries.find((each) => each.pid === busy.pid);
      assert.equal(active?.query, 'SELECT pg_sleep(?) /* … */, ? AS password, ? AS pin');
      assert.ok(!JSON.stringify(facts).includes(secret), 'the secret reaches the facts');
      assert.ok(!JSON.stringify(facts).includes('4242'), 'the number reaches the facts');
    } finally {
      await control.query('SELECT pg_cancel_backend($1)', [busy.pid]);
      await running.catch(() => undefined);
      await control.end();
      await busy.client.end();
    }
  });

  it('rejects when the connection drops after authentication, and the process lives on', async () => {
    const proxy = await dropAfterLoginProxy(url, readyForQuery);
    try {
      await collectRejects(
        plugin,
        proxy.url,
        /^PostgreSQL 127\.0\.0\.1:\d+: connection lost \(.*ECONNRESET.*\) while reading server version$/,
      );
      assert.equal(proxy.drops, 1, 'the proxy dropped the connection at the first query');
      // The client reports the dead socket again as it closes; an unhandled 'error' would fail this test.
      await sleep(200);
    } finally {
      await proxy.close();
    }
  });

  it('each fault scenario fires its rules from the facts, and they fall silent once it is undone', async (t) => {
    assert.ok(faults.length >= 2);
    await assertFaultsFireUntilUndone(t, plugin, faults, url);
  });

  it(`flags a transaction left idle past ${THRESHOLDS.idleInTransactionSeconds.warning} s`, async () => {
    const idle = await session(url);
    try {
      await idle.client.query('BEGIN');
      await idle.client.query(`SELECT stock FROM ${TABLE} WHERE id = 1 FOR SHARE`);
      const early = await collectFindings(plugin, url);
      assert.ok(early.facts.idleInTransaction.some((s) => s.pid === idle.pid));
      assertNotFired(early.fired, ['idle-in-transaction']);

      const finding = await eventually(
        'idle-in-transaction to name the session',
        () => firedFor(url, 'idle-in-transaction', 'oldest idle-in-transaction pid', idle.pid),
        { timeoutMs: (THRESHOLDS.idleInTransactionSeconds.warning + 15) * 1000, intervalMs: 2000 },
      );
      assert.equal(finding.severity, 'warning');
      const idleSeconds = Number(factValue(finding.evidence, 'oldest idle-in-transaction idle seconds'));
      assert.ok(idleSeconds >= THRESHOLDS.idleInTransactionSeconds.warning, `idle ${idleSeconds} s`);
      assert.match(finding.explanation, /WHERE id = \? FOR SHARE/);
    } finally {
      await idle.client.query('ROLLBACK').catch(() => undefined);
      await idle.client.end();
    }
  });
});

describe('postgresql connector failures', () => {
  it('rejects a refused connection naming the server, never the password', async () => {
    await collectRejects(
      plugin,
      'postgres://kubestack:s3cret-pw@127.0.0.1:1/kubestack',
      /^PostgreSQL 127\.0\.0\.1:1: connecting failed: .*ECONNREFUSED/,
    );
  });

  it('gives up on a server that never answers within timeoutMs', async () => {
    await collectTimesOut(
      plugin,
      (port) => `postgres://u:s3cret-pw@127.0.0.1:${port}/db`,
      (port) => new RegExp(`^PostgreSQL 127\\.0\\.0\\.1:${port}: connecting failed`),
      { timeoutMs: 500, withinMs: 3000 },
    );
  });
});
