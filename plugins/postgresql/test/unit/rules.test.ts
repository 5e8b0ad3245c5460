import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type LogLine, runRules } from '@kubestack/plugin-sdk';
import {
  type ContextInput,
  contextFor,
  factValue,
  findingOf,
  firedRules,
  matchesLogPattern,
} from '@kubestack/plugin-sdk/testkit';
import type { LockWait, Session } from '../../src/connector.ts';
import plugin, { type Facts } from '../../src/index.ts';
import { THRESHOLDS } from '../../src/rules.ts';

function session(overrides: Partial<Session> = {}): Session {
  return {
    pid: 100,
    user: 'app',
    database: 'shop',
    application: 'checkout',
    client: '10.0.0.5/32',
    state: 'idle',
    waitEvent: null,
    transactionSeconds: null,
    querySeconds: 1,
    stateSeconds: 1,
    query: 'SELECT 1',
    ...overrides,
  };
}

function healthyFacts(): Facts {
  return {
    serverVersion: '15.18',
    settings: {
      maxConnections: 100,
      superuserReservedConnections: 3,
      reservedConnections: 0,
      idleInTransactionSessionTimeoutMs: 0,
      statementTimeoutMs: 0,
      lockTimeoutMs: 0,
      autovacuumFreezeMaxAge: 200_000_000,
    },
    connections: { total: 20, byState: { active: 2, idle: 18 } },
    idleInTransaction: [session({ pid: 201, state: 'idle in transaction', stateSeconds: 3, transactionSeconds: 4 })],
    activeQueries: [session({ pid: 202, state: 'active', querySeconds: 12, transactionSeconds: 12 })],
    lockWaits: [],
    blockers: [],
    databases: [{ name: 'shop', xidAge: 150_000_000, deadlocks: 3, blocksHit: 99_000_000, blocksRead: 500_000 }],
    replication: { inRecovery: false, replayDelaySeconds: null, replicas: [] },
  };
}

function factsWith(change: (facts: Facts) => void): Facts {
  const facts = healthyFacts();
  change(facts);
  return facts;
}

function evaluate(input: ContextInput<Facts>) {
  return runRules(plugin, contextFor(plugin, input));
}

const line = (message: string): LogLine => ({ timestamp: '2025-01-01T00:00:00Z', level: 'error', message });
function logsWith(pattern: string, count: number, message: string): ContextInput<Facts>['logs'] {
  return { available: true, total: count, notable: { [pattern]: { count, sample: [line(message)] } } };
}

const waiting: LockWait = {
  ...session({ pid: 301, state: 'active', waitEvent: 'Lock:transactionid', querySeconds: 20, query: 'UPDATE stock' }),
  blockedBy: [300],
};

describe('postgresql rules', () => {
  it('is silent on a healthy server, from facts and from signals', () => {
    assert.deepEqual(firedRules(plugin, contextFor(plugin, { facts: healthyFacts() })), []);
    const signals = {
      connections: { last: 20, max: 25, limit: 97 },
      'idle-in-transaction-age': 2,
      'active-transaction-age': 30,
      'cache-hit-ratio': 0.995,
      'block-reads': 500,
      deadlocks: 0,
      'replication-lag-bytes': 1024,
    };
    assert.deepEqual(firedRules(plugin, contextFor(plugin, { signals })), []);
  });

  it('concludes nothing without facts, signals or logs', () => {
    assert.deepEqual(firedRules(plugin, contextFor(plugin, { logs: { available: false } })), []);
  });

  describe('connections-near-limit', () => {
    it('counts the reserved slots and escalates from warning to critical', () => {
      const warning = evaluate({ facts: factsWith((f) => (f.connections = { total: 80, byState: { idle: 70 } })) });
      const finding = findingOf(warning, 'connections-near-limit');
      assert.equal(finding?.severity, 'warning');
      assert.match(finding.explanation, /80 of the 97 connection slots/);
      assert.equal(factValue(finding.evidence, 'client connections'), 80);
      assert.equal(factValue(finding.evidence, 'reserved connection slots'), 3);
      const critical = evaluate({ facts: factsWith((f) => (f.connections = { total: 93, byState: {} })) });
      assert.equal(findingOf(critical, 'connections-near-limit')?.severity, 'critical');
    });

    it('falls back to the connections signal and its limit', () => {
      const findings = evaluate({ signals: { connections: { last: 70, max: 90, limit: 97 } } });
      const finding = findingOf(findings, 'connections-near-limit');
      assert.equal(finding?.severity, 'warning');
      assert.deepEqual(finding.evidence[0], {
        kind: 'signal',
        signal: 'connections',
        name: 'Client connections',
        unit: 'count',
        last: 70,
        max: 90,
        limit: 97,
      });
      assert.equal(findingOf(evaluate({ signals: { connections: 90 } }), 'connections-near-limit'), undefined);
    });
  });

  describe('idle-in-transaction', () => {
    const stuck = (idleSeconds: number) =>
      factsWith((f) => {
        f.idleInTransaction = [
          session({ pid: 4242, state: 'idle in transaction', stateSeconds: idleSeconds, transactionSeconds: 700 }),
        ];
      });

    it('fires past the threshold, naming the session, and escalates', () => {
      const finding = findingOf(
        evaluate({ facts: stuck(THRESHOLDS.idleInTransactionSeconds.warning + 5) }),
        'idle-in-transaction',
      );
      assert.equal(finding?.severity, 'warning');
      assert.match(finding.explanation, /pid 4242/);
      assert.match(finding.explanation, /idle_in_transaction_session_timeout \(now off\)/);
      assert.equal(factValue(finding.evidence, 'oldest idle-in-transaction pid'), 4242);
      assert.equal(factValue(finding.evidence, 'oldest idle-in-transaction idle seconds'), 65);
      const critical = evaluate({ facts: stuck(THRESHOLDS.idleInTransactionSeconds.critical) });
      assert.equal(findingOf(critical, 'idle-in-transaction')?.severity, 'critical');
      assert.deepEqual(findingOf(critical, 'idle-in-transaction')?.actions, [
        'terminate-backend',
        'set-idle-in-transaction-timeout',
      ]);
    });

    it('trusts facts over signals, and falls back to the signal without facts', () => {
      assert.equal(
        findingOf(
          evaluate({ facts: healthyFacts(), signals: { 'idle-in-transaction-age': 500 } }),
          'idle-in-transaction',
        ),
        undefined,
      );
      const finding = findingOf(
        evaluate({ signals: { 'idle-in-transaction-age': { last: 90, max: 120 } } }),
        'idle-in-transaction',
      );
      assert.equal(finding?.severity, 'warning');
      assert.match(finding.explanation, /open for 2 min \(now 90 s\)/);
    });
  });

  describe('lock-blocker', () => {
    const blocked = (waits: LockWait[]) =>
      factsWith((f) => {
        f.lockWaits = waits;
        f.blockers = [
          {
            pid: 300,
            blocks: waits.map((wait) => wait.pid),
            session: session({ pid: 300, state: 'idle in transaction', stateSeconds: 25, transactionSeconds: 30 }),
          },
        ];
      });

    it('names the blocker and the sessions it blocks', () => {
      const finding = findingOf(evaluate({ facts: blocked([waiting]) }), 'lock-blocker');
      assert.equal(finding?.severity, 'warning');
      assert.match(finding.explanation, /pid 300 .*idle in transaction for 25 s/);
      assert.match(finding.explanation, /terminate-lock-blocker, pid 300/);
      assert.equal(factValue(finding.evidence, 'blocking pid'), 300);
      assert.equal(factValue(finding.evidence, 'pids blocked by it'), '301');
      assert.equal(factValue(finding.evidence, 'longest lock wait seconds'), 20);
    });

    it('points at the head of a chain, not at a blocker that itself waits', () => {
      const facts = blocked([waiting, { ...waiting, pid: 302, blockedBy: [301] }]);
      facts.blockers.push({ pid: 301, blocks: [302], session: waiting });
      assert.equal(factValue(findingOf(evaluate({ facts }), 'lock-blocker')?.evidence ?? [], 'blocking pid'), 300);
    });

    it('escalates on long waits and ignores short ones', () => {
      const long = blocked([{ ...waiting, querySeconds: THRESHOLDS.lockWaitSeconds.critical }]);
      assert.equal(findingOf(evaluate({ facts: long }), 'lock-blocker')?.severity, 'critical');
      const short = blocked([{ ...waiting, querySeconds: THRESHOLDS.lockWaitSeconds.warning - 1 }]);
      assert.equal(findingOf(evaluate({ facts: short }), 'lock-blocker'), undefined);
    });

    it('names a prepared transaction as the blocker', () => {
      const facts = factsWith((f) => {
        f.lockWaits = [{ ...waiting, blockedBy: [0] }];
        f.blockers = [{ pid: 0, blocks: [301], session: null }];
      });
      assert.match(findingOf(evaluate({ facts }), 'lock-blocker')?.explanation ?? '', /prepared transaction/);
    });
  });

  describe('long-running-queries', () => {
    const running = (seconds: number) =>
      factsWith((f) => {
        f.activeQueries = [session({ pid: 555, state: 'active', querySeconds: seconds, query: 'SELECT * FROM big' })];
      });

    it('fires past five minutes and escalates past thirty', () => {
      const finding = findingOf(evaluate({ facts: running(400) }), 'long-running-queries');
      assert.equal(finding?.severity, 'warning');
      assert.match(finding.explanation, /pid 555 .* for 6.67 min/);
      assert.equal(factValue(finding.evidence, 'longest statement seconds'), 400);
      assert.equal(findingOf(evaluate({ facts: running(1800) }), 'long-running-queries')?.severity, 'critical');
      assert.equal(findingOf(evaluate({ facts: running(299) }), 'long-running-queries'), undefined);
    });

    it('falls back to the oldest active transaction signal', () => {
      const finding = findingOf(evaluate({ signals: { 'active-transaction-age': 2000 } }), 'long-running-queries');
      assert.equal(finding?.severity, 'critical');
    });
  });

  describe('cache-hit-ratio-low', () => {
    it('reads the window from signals when reads are heavy enough', () => {
      const finding = findingOf(
        evaluate({ signals: { 'cache-hit-ratio': 0.92, 'block-reads': 2000 } }),
        'cache-hit-ratio-low',
      );
      assert.equal(finding?.severity, 'warning');
      assert.match(finding.explanation, /92 %/);
      assert.equal(finding.evidence.length, 2);
      const critical = evaluate({ signals: { 'cache-hit-ratio': 0.5, 'block-reads': 2000 } });
      assert.equal(findingOf(critical, 'cache-hit-ratio-low')?.severity, 'critical');
      const light = evaluate({ signals: { 'cache-hit-ratio': 0.5, 'block-reads': 10 } });
      assert.equal(findingOf(light, 'cache-hit-ratio-low'), undefined);
    });

    it('falls back to lifetime counters of a database with enough reads', () => {
      const facts = factsWith((f) => {
        f.databases.push({ name: 'reports', xidAge: 1, deadlocks: 0, blocksHit: 8_000_000, blocksRead: 2_000_000 });
        f.databases.push({ name: 'tiny', xidAge: 1, deadlocks: 0, blocksHit: 10, blocksRead: 90 });
      });
      const finding = findingOf(evaluate({ facts }), 'cache-hit-ratio-low');
      assert.equal(finding?.severity, 'critical');
      assert.equal(factValue(finding.evidence, 'database'), 'reports');
      assert.equal(factValue(finding.evidence, 'cache hit ratio'), 0.8);
    });
  });

  describe('replication-lag', () => {
    it('fires on a replica behind its primary', () => {
      const facts = factsWith((f) => (f.replication = { inRecovery: true, replayDelaySeconds: 45, replicas: [] }));
      const finding = findingOf(evaluate({ facts }), 'replication-lag');
      assert.equal(finding?.severity, 'warning');
      assert.equal(factValue(finding.evidence, 'replay delay seconds'), 45);
    });

    it('fires on a primary whose replica lags, and escalates', () => {
      const facts = factsWith((f) => {
        f.replication.replicas = [
          {
            application: 'standby1',
            client: '10.0.0.9/32',
            state: 'streaming',
            syncState: 'async',
            replayLagSeconds: 600,
            replayLagBytes: 3 * 1024 ** 3,
          },
        ];
      });
      const finding = findingOf(evaluate({ facts }), 'replication-lag');
      assert.equal(finding?.severity, 'critical');
      assert.match(finding.explanation, /"standby1".*10 min.*3 GiB/);
    });

    it('falls back to WAL bytes behind', () => {
      const finding = findingOf(evaluate({ signals: { 'replication-lag-bytes': 2 * 1024 ** 3 } }), 'replication-lag');
      assert.equal(finding?.severity, 'warning');
    });
  });

  describe('deadlocks', () => {
    it('fires when the deadlock rate rises, escalating with the count', () => {
      const few = findingOf(evaluate({ signals: { deadlocks: { last: 0, max: 1 / 60, mean: 1 / 900 } } }), 'deadlocks');
      assert.equal(few?.severity, 'warning');
      assert.match(few.explanation, /About 1 deadlock/);
      const many = findingOf(evaluate({ signals: { deadlocks: { last: 0.05, max: 0.1, mean: 0.05 } } }), 'deadlocks');
      assert.equal(many?.severity, 'critical');
    });

    it('falls back to "deadlock detected" log lines', () => {
      const logs = logsWith('deadlock', 2, 'ERROR:  deadlock detected');
      const finding = findingOf(evaluate({ logs }), 'deadlocks');
      assert.equal(finding?.severity, 'warning');
      assert.deepEqual(finding.evidence[0], {
        kind: 'log',
        pattern: 'deadlock',
        lines: [line('ERROR:  deadlock detected')],
        count: 2,
      });
      assert.equal(findingOf(evaluate({ logs: { ...logs, available: false } }), 'deadlocks'), undefined);
    });
  });

  describe('xid-wraparound', () => {
    it('warns past 1.2 billion and is critical past 1.6 billion', () => {
      const at = (xidAge: number) =>
        factsWith((f) => f.databases.push({ name: 'old', xidAge, deadlocks: 0, blocksHit: 0, blocksRead: 0 }));
      const warning = findingOf(evaluate({ facts: at(1_300_000_000) }), 'xid-wraparound');
      assert.equal(warning?.severity, 'warning');
      assert.match(warning.explanation, /"old" is 1.3 billion transactions .* 60.5 %/);
      assert.equal(factValue(warning.evidence, 'age(datfrozenxid)'), 1_300_000_000);
      assert.equal(findingOf(evaluate({ facts: at(1_700_000_000) }), 'xid-wraparound')?.severity, 'critical');
    });

    it('falls back to wraparound warnings in the log', () => {
      const logs = logsWith(
        'xid-wraparound',
        1,
        'WARNING:  database "shop" must be vacuumed within 9000000 transactions',
      );
      assert.equal(findingOf(evaluate({ logs }), 'xid-wraparound')?.severity, 'critical');
    });
  });

  describe('log rules', () => {
    for (const [rule, pattern, message, severity] of [
      ['connections-refused', 'too-many-connections', 'FATAL:  sorry, too many clients already', 'critical'],
      ['disk-full', 'disk-full', 'ERROR:  could not extend file: No space left on device', 'critical'],
      ['frequent-checkpoints', 'frequent-checkpoints', 'LOG:  checkpoints are occurring too frequently', 'warning'],
    ] as const) {
      it(`${rule} fires on "${pattern}" lines and stays silent without them`, () => {
        const finding = findingOf(evaluate({ logs: logsWith(pattern, 3, message) }), rule);
        assert.equal(finding?.severity, severity);
        assert.match(finding.explanation, /3 /);
        assert.equal(findingOf(evaluate({ logs: logsWith(pattern, 0, message) }), rule), undefined);
      });
    }

    it('the notable patterns match the real server messages', () => {
      const matches = (id: string, message: string) => matchesLogPattern(plugin, id, message);
      assert.ok(
        matches(
          'too-many-connections',
          'FATAL:  remaining connection slots are reserved for non-replication superuser connections',
        ),
      );
      assert.ok(matches('disk-full', 'PANIC:  could not write to file "pg_wal/xlogtemp.123": No space left on device'));
      assert.ok(
        matches('idle-in-transaction-timeout', 'FATAL:  terminating connection due to idle-in-transaction timeout'),
      );
      assert.ok(matches('lock-timeout', 'ERROR:  canceling statement due to lock timeout'));
      assert.ok(
        matches('crash-recovery', 'LOG:  database system was not properly shut down; automatic recovery in progress'),
      );
      assert.ok(
        matches(
          'xid-wraparound',
          'ERROR:  database is not accepting commands to avoid wraparound data loss in database "shop"',
        ),
      );
    });
  });
});
