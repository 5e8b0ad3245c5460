/**
 * The connector and rules against a real MySQL / MariaDB (MYSQL_URL, an account with all privileges).
 * Induces every fault scenario of src/faults.ts (a row-lock wait behind an idle transaction, connections
 * near a temporarily lowered max_connections) and undoes them; drops a connection through a proxy.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
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
import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';
import { faults } from '../../src/faults.ts';
import plugin from '../../src/index.ts';
import { THRESHOLDS } from '../../src/rules.ts';
import { handshakeOk } from './drop-proxy.ts';

const service = serviceFromEnv('MYSQL_URL');
const ROW_LOCK = 'row-lock-held-by-idle-transaction';
const CONNECTIONS = 'idle-connections-near-lowered-max-connections';

async function maxConnections(connection: Connection): Promise<number> {
  const [rows] = await connection.query<RowDataPacket[]>('SELECT @@GLOBAL.max_connections AS value');
  return Number(rows[0]?.value);
}

describe('mysql plugin against a real server', { skip: service.skip }, () => {
  const url = service.url ?? '';
  let admin: Connection;

  before(async () => {
    admin = await createConnection(url);
  });

  after(async () => {
    await admin.end();
  });

  it('collects facts from a healthy server, and the lock and connection rules stay silent', async () => {
    const { facts, fired } = await collectFindings(plugin, url);
    assert.match(facts.version, /^\d+\.\d+/);
    assert.ok((facts.variables.maxConnections ?? 0) > 0);
    assert.ok((facts.status.threadsConnected ?? 0) >= 2, 'counts this test and the connector');
    assert.ok(facts.status.uptimeSeconds !== null && facts.status.uptimeSeconds > 0);
    assert.deepEqual(facts.lockWaits, [], 'a lock-wait view exists and nothing waits');
    assert.deepEqual(facts.replicas, [], 'the test server is not a replica');
    assert.ok(!facts.statements.some((statement) => statement.query?.includes('information_schema.PROCESSLIST')));
    assertNotFired(fired, ['row-lock-blocker', 'connections-near-limit']);
  });

  it('names the idle transaction that holds a row lock another statement waits on', async () => {
    await duringFault(plugin, faultById(faults, ROW_LOCK), url, ({ facts, findings, fired }) => {
      // Comments do not reach the facts: the scenario's statement is known by its table, kubestack_fault_<pid>_<n>.
      const statement = new RegExp(
        `^SELECT /\\* … \\*/ stock FROM kubestack_fault_${process.pid}_\\d+ WHERE id = \\? FOR UPDATE$`,
      );
      const wait = facts.lockWaits?.find((lockWait) => statement.test(lockWait.waitingQuery ?? ''));
      assert.ok(
        wait !== undefined,
        `the scenario's SELECT … FOR UPDATE waits on a row lock: ${JSON.stringify(facts.lockWaits)}`,
      );
      const finding = findingOf(findings, 'row-lock-blocker');
      assert.ok(finding !== undefined, `fired: ${fired.join(', ')}`);
      assert.equal(factValue(finding.evidence, 'blocking thread'), wait.blockingThread);
      assert.equal(finding.severity, 'warning');
      assert.equal(factValue(finding.evidence, 'blocking thread command'), 'Sleep');
      assert.match(finding.explanation, new RegExp(`blocking thread\\(s\\) ${wait.waitingThread}\\b`));
      assert.match(finding.explanation, new RegExp(`kill-lock-blocker, thread ${wait.blockingThread}\\)`));
      assert.deepEqual(finding.actions, ['kill-lock-blocker', 'kill-query']);
    });
  });

  it('warns when connections approach a lowered max_connections, then restores it', async () => {
    const original = await maxConnections(admin);
    const before = await collectFacts(plugin, url);
    const { lowered, result } = await duringFault(plugin, faultById(faults, CONNECTIONS), url, async (result) => ({
      lowered: await maxConnections(admin),
      result,
    }));
    assert.equal(await maxConnections(admin), original, 'max_connections restored');
    assert.ok(lowered < original, `lowered to ${lowered} from ${original}`);

    const finding = findingOf(result.findings, 'connections-near-limit');
    assert.ok(finding !== undefined, `fired: ${result.fired.join(', ')}`);
    assert.equal(factValue(finding.evidence, 'max_connections'), lowered);
    const used = Number(factValue(finding.evidence, 'Threads_connected'));
    assert.ok(used / lowered >= THRESHOLDS.connectionsRatio.warning, `${used} of ${lowered}`);
    // The connections the scenario opened sit idle (Sleep), and the rule counts them so.
    const opened = used - (before.status.threadsConnected ?? 0);
    const idle = Number(factValue(finding.evidence, 'idle connections'));
    assert.ok(
      opened > 0 && idle - (before.threadsByCommand.Sleep?.count ?? 0) >= opened,
      `${opened} opened, ${idle} idle`,
    );
    assert.match(finding.explanation, new RegExp(`${used} of max_connections ${lowered}`));
  });

  it("keeps other threads' statements without their literals or comments", async () => {
    const busy = await createConnection(url);
    const secret = `kubestack-secret-${process.pid}`;
    const running = busy.query(`SELECT SLEEP(30) /* ${secret} */, '${secret}' AS password, "${secret}", 4242 AS pin`);
    running.catch(() => undefined);
    try {
      const facts = await eventually('the statement to show in PROCESSLIST', async () => {
        const read = await collectFacts(plugin, url);
        return read.statements.some((statement) => statement.id === busy.threadId) ? read : undefined;
      });
      const statement = facts.statements.find((each) => each.id === busy.threadId);
      assert.equal(statement?.query, 'SELECT SLEEP(?) /* … */, ? AS password, ?, ? AS pin');
      assert.ok(!JSON.stringify(facts).includes(secret), 'the secret reaches the facts');
      assert.ok(!JSON.stringify(facts).includes('4242'), 'the number reaches the facts');
    } finally {
      await admin.query(`KILL QUERY ${busy.threadId}`);
      await running.catch(() => undefined);
      await busy.end();
    }
  });

  it('rejects when the connection drops after authentication, and the process lives on', async () => {
    const proxy = await dropAfterLoginProxy(url, handshakeOk);
    try {
      await collectRejects(
        plugin,
        proxy.url,
        /^MySQL 127\.0\.0\.1:\d+: connection lost \(.*ECONNRESET.*\) while reading session setup$/,
      );
      assert.equal(proxy.drops, 1, 'the proxy dropped the connection at the first statement');
      // Events of the dead socket still to come; an unhandled 'error' among them would fail this test.
      await sleep(200);
    } finally {
      await proxy.close();
    }
  });

  it('each fault scenario fires its rules from the facts, and they fall silent once it is undone', async (t) => {
    assert.ok(faults.length >= 2);
    await assertFaultsFireUntilUndone(t, plugin, faults, url);
  });
});

describe('mysql connector failures', () => {
  it('rejects a refused connection naming the server, never the password', async () => {
    await collectRejects(
      plugin,
      'mysql://kubestack:s3cret-pw@127.0.0.1:1/kubestack',
      /^MySQL 127\.0\.0\.1:1: connecting failed: .*ECONNREFUSED/,
    );
  });

  it('gives up on a server that never answers within timeoutMs', async () => {
    await collectTimesOut(
      plugin,
      (port) => `mysql://u:s3cret-pw@127.0.0.1:${port}/`,
      (port) => new RegExp(`^MySQL 127\\.0\\.0\\.1:${port}: connecting failed`),
      { timeoutMs: 500, withinMs: 3000 },
    );
  });
});
