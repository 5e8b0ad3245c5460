/**
 * The connector and rules against a real MySQL / MariaDB (MYSQL_URL, an account with all privileges).
 * Induces a row-lock wait behind an idle transaction and connections near a temporarily lowered
 * max_connections, and undoes both.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type Evidence, type Finding, runRules } from '@kubestack/plugin-sdk';
import {
  addressOf,
  collectFacts,
  contextFor,
  eventually,
  findingOf,
  serviceFromEnv,
} from '@kubestack/plugin-sdk/testkit';
import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';
import plugin from '../../src/index.ts';
import { THRESHOLDS } from '../../src/rules.ts';

const service = serviceFromEnv('MYSQL_URL');
const TABLE = `kubestack_test_locks_${process.pid}`;

async function findingsNow(url: string) {
  const facts = await collectFacts(plugin, url);
  return { facts, findings: runRules(plugin, contextFor(plugin, { instance: addressOf(url), facts })) };
}

function factValue(evidence: Evidence[], name: string): unknown {
  const found = evidence.find((item) => item.kind === 'fact' && item.name === name);
  return found?.kind === 'fact' ? found.value : undefined;
}

/** The rule's finding once its evidence names `thread`: other clients of a shared server do not count. */
async function firedFor(url: string, rule: string, evidence: string, thread: number): Promise<Finding | undefined> {
  const finding = findingOf((await findingsNow(url)).findings, rule);
  return finding !== undefined && factValue(finding.evidence, evidence) === thread ? finding : undefined;
}

async function maxConnections(connection: Connection): Promise<number> {
  const [rows] = await connection.query<RowDataPacket[]>('SELECT @@GLOBAL.max_connections AS value');
  return Number(rows[0]?.value);
}

async function threadsConnected(connection: Connection): Promise<number> {
  const [rows] = await connection.query<RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Threads_connected'");
  return Number(rows[0]?.Value);
}

describe('mysql plugin against a real server', { skip: service.skip }, () => {
  const url = service.url ?? '';
  let admin: Connection;

  before(async () => {
    admin = await createConnection(url);
    await admin.query(`CREATE TABLE ${TABLE} (id INT PRIMARY KEY, stock INT NOT NULL) ENGINE=InnoDB`);
    await admin.query(`INSERT INTO ${TABLE} VALUES (1, 10)`);
  });

  after(async () => {
    await admin.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await admin.end();
  });

  it('collects facts from a healthy server, and the lock and connection rules stay silent', async () => {
    const { facts, findings } = await findingsNow(url);
    assert.match(facts.version, /^\d+\.\d+/);
    assert.ok((facts.variables.maxConnections ?? 0) > 0);
    assert.ok((facts.status.threadsConnected ?? 0) >= 2, 'counts this test and the connector');
    assert.ok(facts.status.uptimeSeconds !== null && facts.status.uptimeSeconds > 0);
    assert.deepEqual(facts.lockWaits, [], 'a lock-wait view exists and nothing waits');
    assert.deepEqual(facts.replicas, [], 'the test server is not a replica');
    assert.ok(!facts.statements.some((statement) => statement.query?.includes('information_schema.PROCESSLIST')));
    const fired = findings.map((finding) => finding.rule);
    assert.ok(!fired.includes('row-lock-blocker'), `fired: ${fired.join(', ')}`);
    assert.ok(!fired.includes('connections-near-limit'), `fired: ${fired.join(', ')}`);
  });

  it('names the idle transaction that holds a row lock another statement waits on', async () => {
    const holder = await createConnection(url);
    const waiter = await createConnection(url);
    let waiting: Promise<unknown> | undefined;
    try {
      await waiter.query('SET SESSION innodb_lock_wait_timeout = 40');
      await holder.query('BEGIN');
      await holder.query(`SELECT stock FROM ${TABLE} WHERE id = 1 FOR UPDATE`);
      await waiter.query('BEGIN');
      waiting = waiter.query(`SELECT stock FROM ${TABLE} WHERE id = 1 FOR UPDATE`);

      const finding = await eventually(
        'row-lock-blocker to name the holder',
        () => firedFor(url, 'row-lock-blocker', 'blocking thread', holder.threadId),
        { timeoutMs: (THRESHOLDS.lockWaitSeconds.warning + 15) * 1000, intervalMs: 1000 },
      );
      assert.equal(finding.severity, 'warning');
      assert.equal(factValue(finding.evidence, 'blocking thread command'), 'Sleep');
      assert.match(finding.explanation, new RegExp(`blocking thread\\(s\\) ${waiter.threadId}\\b`));
      assert.match(finding.explanation, new RegExp(`kill-lock-blocker, thread ${holder.threadId}\\)`));
      assert.deepEqual(finding.actions, ['kill-lock-blocker', 'kill-query']);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await waiting?.catch(() => undefined);
      await waiter.query('ROLLBACK').catch(() => undefined);
      await Promise.all([holder.end(), waiter.end()]);
    }
  });

  it('warns when connections approach a lowered max_connections, then restores it', async () => {
    const original = await maxConnections(admin);
    const idleClients = await Promise.all(Array.from({ length: 8 }, () => createConnection(url)));
    let lowered: number | undefined;
    let result: Awaited<ReturnType<typeof findingsNow>> | undefined;
    try {
      const connected = await threadsConnected(admin);
      // Room for the connector's own connection plus two more, so other clients are not refused meanwhile.
      lowered = Math.max(10, connected + 3);
      await admin.query('SET GLOBAL max_connections = ?', [lowered]);
      result = await findingsNow(url);
    } finally {
      await admin.query('SET GLOBAL max_connections = ?', [original]);
      await Promise.all(idleClients.map((client) => client.end()));
    }
    assert.equal(await maxConnections(admin), original, 'max_connections restored');

    const finding = findingOf(result.findings, 'connections-near-limit');
    assert.ok(finding !== undefined, `fired: ${result.findings.map((f) => f.rule).join(', ')}`);
    assert.equal(factValue(finding.evidence, 'max_connections'), lowered);
    const used = Number(factValue(finding.evidence, 'Threads_connected'));
    assert.ok(used / (lowered ?? 1) >= THRESHOLDS.connectionsRatio.warning, `${used} of ${lowered}`);
    assert.ok(Number(factValue(finding.evidence, 'idle connections')) >= idleClients.length);
    assert.match(finding.explanation, new RegExp(`${used} of max_connections ${lowered}`));
  });
});

describe('mysql connector failures', () => {
  it('rejects a refused connection naming the server, never the password', async () => {
    await assert.rejects(collectFacts(plugin, 'mysql://kubestack:s3cret-pw@127.0.0.1:1/kubestack'), (error: Error) => {
      assert.match(error.message, /^MySQL 127\.0\.0\.1:1: connecting failed: .*ECONNREFUSED/);
      assert.ok(!error.message.includes('s3cret-pw'));
      return true;
    });
  });

  it('gives up on a server that never answers within timeoutMs', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const started = Date.now();
    try {
      await assert.rejects(collectFacts(plugin, `mysql://u:s3cret-pw@127.0.0.1:${port}/`, 500), (error: Error) => {
        assert.match(error.message, new RegExp(`^MySQL 127\\.0\\.0\\.1:${port}: connecting failed`));
        assert.ok(!error.message.includes('s3cret-pw'));
        return true;
      });
      assert.ok(Date.now() - started < 3000, 'rejects near the timeout');
    } finally {
      silent.close();
    }
  });
});
