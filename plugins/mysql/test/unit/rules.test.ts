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
import type { LockWait, ReplicaChannel } from '../../src/connector.ts';
import plugin, { type Facts } from '../../src/index.ts';
import { THRESHOLDS } from '../../src/rules.ts';

function healthyFacts(): Facts {
  return {
    version: '10.11.19-MariaDB',
    status: {
      uptimeSeconds: 86_400,
      threadsConnected: 40,
      threadsRunning: 3,
      maxUsedConnections: 55,
      abortedConnects: 864,
      abortedClients: 10,
      refusedConnections: 0,
      slowQueries: 100,
      bufferPoolReadRequests: 500_000_000,
      bufferPoolReads: 100_000,
      rowLockWaits: 50,
      rowLockCurrentWaits: 0,
      tmpTables: 90_000,
      tmpDiskTables: 8_640,
      tableOpenCacheHits: 9_000_000,
      tableOpenCacheMisses: 86_400,
    },
    variables: {
      maxConnections: 200,
      longQueryTime: 2,
      innodbLockWaitTimeout: 50,
      innodbBufferPoolSize: 8 * 1024 ** 3,
      tableOpenCache: 4000,
      tmpTableSize: 32 * 1024 ** 2,
      maxHeapTableSize: 16 * 1024 ** 2,
      waitTimeout: 28_800,
    },
    threadsByCommand: { Sleep: { count: 36, maxSeconds: 120 }, Query: { count: 3, maxSeconds: 2 } },
    statements: [
      {
        id: 7,
        user: 'app',
        host: '10.0.0.5:40000',
        db: 'shop',
        command: 'Query',
        seconds: 2,
        state: 'Sending data',
        query: 'SELECT 1',
      },
    ],
    lockWaits: [],
    replicas: [],
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

const wait = (overrides: Partial<LockWait> = {}): LockWait => ({
  waitingThread: 21,
  waitingSeconds: 12,
  // As the connector gives statements: without literals (normalizeSql).
  waitingQuery: 'UPDATE stock SET n = n - ? WHERE id = ?',
  blockingThread: 20,
  blockingTransactionSeconds: 40,
  blockingQuery: null,
  blockingUser: 'app',
  blockingHost: '10.0.0.5:40000',
  blockingCommand: 'Sleep',
  blockingCommandSeconds: 35,
  ...overrides,
});

const replica = (overrides: Partial<ReplicaChannel> = {}): ReplicaChannel => ({
  channel: '',
  sourceHost: 'db-primary',
  ioRunning: 'Yes',
  sqlRunning: 'Yes',
  secondsBehindSource: 0,
  lastIoError: null,
  lastSqlError: null,
  ...overrides,
});

const healthySignals = {
  connections: { last: 40, max: 60, limit: 200 },
  'refused-connections': 0,
  'aborted-connects': 0.01,
  'slow-queries': 0.001,
  'row-lock-waits': { last: 0, min: 0, max: 2 },
  'buffer-pool-hit-ratio': 0.999,
  'buffer-pool-disk-reads': 500,
  'tmp-disk-tables': 0.1,
  'table-open-cache-misses': 1,
  'replication-lag': 0,
  'replication-running': 1,
};

describe('mysql rules', () => {
  it('is silent on a healthy server, from facts and from signals', () => {
    assert.deepEqual(firedRules(plugin, contextFor(plugin, { facts: healthyFacts() })), []);
    assert.deepEqual(firedRules(plugin, contextFor(plugin, { signals: healthySignals })), []);
    assert.deepEqual(
      firedRules(plugin, contextFor(plugin, { facts: factsWith((f) => (f.replicas = [replica()])) })),
      [],
    );
  });

  it('concludes nothing without facts, signals or logs', () => {
    assert.deepEqual(firedRules(plugin, contextFor(plugin, { logs: { available: false } })), []);
  });

  describe('connections-near-limit', () => {
    it('fires from facts with the numbers, and escalates', () => {
      const finding = findingOf(
        evaluate({ facts: factsWith((f) => (f.status.threadsConnected = 170)) }),
        'connections-near-limit',
      );
      assert.equal(finding?.severity, 'warning');
      assert.match(finding.explanation, /170 of max_connections 200 .*85 %.*36 are idle/);
      assert.equal(factValue(finding.evidence, 'Threads_connected'), 170);
      assert.equal(factValue(finding.evidence, 'max_connections'), 200);
      const critical = evaluate({ facts: factsWith((f) => (f.status.threadsConnected = 195)) });
      assert.equal(findingOf(critical, 'connections-near-limit')?.severity, 'critical');
    });

    it('falls back to the signal and its limit', () => {
      const finding = findingOf(
        evaluate({ signals: { connections: { last: 150, max: 192, limit: 200 } } }),
        'connections-near-limit',
      );
      assert.equal(finding?.severity, 'critical');
      assert.deepEqual(finding.actions, ['kill-idle-connections', 'raise-max-connections']);
    });
  });

  describe('connections-refused', () => {
    it('fires on refusals in the window', () => {
      const finding = findingOf(
        evaluate({ signals: { 'refused-connections': { last: 0, max: 2, mean: 0.1 } } }),
        'connections-refused',
      );
      assert.equal(finding?.severity, 'critical');
      assert.match(finding.explanation, /About 90 connection/);
    });

    it('falls back to "Too many connections" log lines', () => {
      const logs = {
        available: true,
        notable: { 'too-many-connections': { count: 4, sample: [line('Too many connections')] } },
      };
      assert.equal(findingOf(evaluate({ logs }), 'connections-refused')?.severity, 'critical');
      assert.equal(
        findingOf(evaluate({ logs, signals: { 'refused-connections': 0 } }), 'connections-refused'),
        undefined,
      );
    });
  });

  describe('rates: signal over the window first, lifetime average as fallback', () => {
    for (const [rule, signal, warning, critical, counter] of [
      ['aborted-connects', 'aborted-connects', 2, 20, 'abortedConnects'],
      ['slow-queries', 'slow-queries', 2 / 60, 20 / 60, 'slowQueries'],
      ['tmp-disk-tables', 'tmp-disk-tables', 3, 30, 'tmpDiskTables'],
      ['table-open-cache-misses', 'table-open-cache-misses', 20, 200, 'tableOpenCacheMisses'],
    ] as const) {
      it(`${rule} escalates with the rate and reads lifetime counters without signals`, () => {
        assert.equal(findingOf(evaluate({ signals: { [signal]: warning } }), rule)?.severity, 'warning');
        const finding = findingOf(evaluate({ signals: { [signal]: critical } }), rule);
        assert.equal(finding?.severity, 'critical');
        assert.equal(finding.evidence[0]?.kind, 'signal');
        const lifetime = findingOf(evaluate({ facts: factsWith((f) => (f.status[counter] = warning * 86_400)) }), rule);
        assert.equal(lifetime?.severity, 'warning');
        assert.match(lifetime.explanation, /since startup 24 h ago/);
        assert.equal(factValue(lifetime.evidence, 'Uptime'), 86_400);
      });
    }

    it('a quiet window wins over a noisy lifetime average', () => {
      const facts = factsWith((f) => (f.status.slowQueries = 10_000_000));
      assert.equal(findingOf(evaluate({ facts, signals: { 'slow-queries': 0 } }), 'slow-queries'), undefined);
    });
  });

  describe('row-lock-blocker', () => {
    it('names the idle transaction that blocks, and the threads it blocks', () => {
      const facts = factsWith((f) => (f.lockWaits = [wait(), wait({ waitingThread: 22, waitingSeconds: 6 })]));
      const finding = findingOf(evaluate({ facts }), 'row-lock-blocker');
      assert.equal(finding?.severity, 'warning');
      assert.match(finding.explanation, /thread 20 \(app@10.0.0.5:40000\), idle \(Sleep\) for 35 s/);
      assert.match(finding.explanation, /blocking thread\(s\) 21, 22/);
      assert.match(finding.explanation, /kill-lock-blocker, thread 20/);
      assert.equal(factValue(finding.evidence, 'blocking thread'), 20);
      assert.equal(factValue(finding.evidence, 'longest row lock wait seconds'), 12);
      assert.equal(factValue(finding.evidence, 'statements waiting on a row lock past threshold'), 2);
    });

    it('points at the head of a chain', () => {
      const facts = factsWith((f) => {
        f.lockWaits = [wait(), wait({ waitingThread: 22, blockingThread: 21, blockingCommand: 'Query' })];
      });
      assert.equal(
        factValue(findingOf(evaluate({ facts }), 'row-lock-blocker')?.evidence ?? [], 'blocking thread'),
        20,
      );
    });

    it('escalates on long waits and ignores short ones', () => {
      const long = factsWith((f) => (f.lockWaits = [wait({ waitingSeconds: THRESHOLDS.lockWaitSeconds.critical })]));
      assert.equal(findingOf(evaluate({ facts: long }), 'row-lock-blocker')?.severity, 'critical');
      const short = factsWith((f) => (f.lockWaits = [wait({ waitingSeconds: 2 })]));
      assert.equal(findingOf(evaluate({ facts: short }), 'row-lock-blocker'), undefined);
    });

    it('falls back to waits present throughout the window when no lock-wait view exists', () => {
      const facts = factsWith((f) => (f.lockWaits = null));
      const finding = findingOf(
        evaluate({ facts, signals: { 'row-lock-waits': { last: 3, min: 1, max: 4 } } }),
        'row-lock-blocker',
      );
      assert.equal(finding?.severity, 'warning');
      assert.equal(
        findingOf(evaluate({ facts, signals: { 'row-lock-waits': { last: 3, min: 0, max: 4 } } }), 'row-lock-blocker'),
        undefined,
      );
    });
  });

  describe('long-running-queries', () => {
    const running = (seconds: number) =>
      factsWith((f) => {
        f.statements = [
          {
            id: 99,
            user: 'report',
            host: '10.0.0.8:1',
            db: 'shop',
            command: 'Query',
            seconds,
            state: 'Sending data',
            query: 'SELECT SLEEP(?)',
          },
        ];
      });

    it('fires past five minutes, escalates past thirty, and is silent below', () => {
      const finding = findingOf(evaluate({ facts: running(600) }), 'long-running-queries');
      assert.equal(finding?.severity, 'warning');
      assert.match(finding.explanation, /thread 99 \(report@10.0.0.8:1, database "shop"\), for 10 min/);
      assert.match(finding.explanation, /: "SELECT SLEEP\(\?\)"\./);
      assert.equal(factValue(finding.evidence, 'longest statement seconds'), 600);
      assert.equal(findingOf(evaluate({ facts: running(1800) }), 'long-running-queries')?.severity, 'critical');
      assert.equal(findingOf(evaluate({ facts: running(299) }), 'long-running-queries'), undefined);
    });
  });

  describe('buffer-pool-hit-ratio-low', () => {
    it('reads the window when disk reads are heavy enough, escalating', () => {
      const warning = evaluate({ signals: { 'buffer-pool-hit-ratio': 0.98, 'buffer-pool-disk-reads': 800 } });
      assert.equal(findingOf(warning, 'buffer-pool-hit-ratio-low')?.severity, 'warning');
      const critical = evaluate({ signals: { 'buffer-pool-hit-ratio': 0.9, 'buffer-pool-disk-reads': 800 } });
      assert.equal(findingOf(critical, 'buffer-pool-hit-ratio-low')?.severity, 'critical');
      const light = evaluate({ signals: { 'buffer-pool-hit-ratio': 0.5, 'buffer-pool-disk-reads': 5 } });
      assert.equal(findingOf(light, 'buffer-pool-hit-ratio-low'), undefined);
    });

    it('falls back to lifetime counters', () => {
      const facts = factsWith((f) => (f.status.bufferPoolReads = 10_000_000));
      const finding = findingOf(evaluate({ facts }), 'buffer-pool-hit-ratio-low');
      assert.equal(finding?.severity, 'warning');
      assert.match(finding.explanation, /98 % of 500000000 .*8 GiB/);
    });
  });

  describe('replication', () => {
    it('replication-stopped names the stopped thread and its error', () => {
      const facts = factsWith((f) => {
        f.replicas = [replica({ sqlRunning: 'No', secondsBehindSource: null, lastSqlError: "Duplicate entry '7'" })];
      });
      const finding = findingOf(evaluate({ facts }), 'replication-stopped');
      assert.equal(finding?.severity, 'critical');
      assert.match(finding.explanation, /SQL thread No; last error: Duplicate entry '7'/);
      assert.equal(factValue(finding.evidence, 'SQL thread running'), 'No');
      const signal = evaluate({ signals: { 'replication-running': { last: 0, max: 1 } } });
      assert.equal(findingOf(signal, 'replication-stopped')?.severity, 'critical');
    });

    it('replication-lag escalates with seconds behind, only on a replica', () => {
      const lagging = (seconds: number) => factsWith((f) => (f.replicas = [replica({ secondsBehindSource: seconds })]));
      const finding = findingOf(evaluate({ facts: lagging(45) }), 'replication-lag');
      assert.equal(finding?.severity, 'warning');
      assert.equal(factValue(finding.evidence, 'seconds behind source'), 45);
      assert.equal(findingOf(evaluate({ facts: lagging(600) }), 'replication-lag')?.severity, 'critical');
      assert.equal(
        findingOf(evaluate({ signals: { 'replication-lag': 400 } }), 'replication-lag')?.severity,
        'critical',
      );
    });
  });

  describe('disk-full', () => {
    it('fires on full-disk log lines', () => {
      const message =
        '[ERROR] mysqld: Disk is full writing \'./mysql-bin.000042\' (Errcode: 28 "No space left on device")';
      const logs = { available: true, notable: { 'disk-full': { count: 2, sample: [line(message)] } } };
      const finding = findingOf(evaluate({ logs }), 'disk-full');
      assert.equal(finding?.severity, 'critical');
      assert.deepEqual(finding.evidence[0], { kind: 'log', pattern: 'disk-full', lines: [line(message)], count: 2 });
      assert.equal(findingOf(evaluate({ logs: { ...logs, available: false } }), 'disk-full'), undefined);
    });

    it('the notable patterns match the real server messages', () => {
      const matches = (id: string, message: string) => matchesLogPattern(plugin, id, message);
      assert.ok(matches('disk-full', "[ERROR] mysqld: The table 'tmp_sort' is full"));
      assert.ok(matches('disk-full', '[ERROR] InnoDB: Tablespace full'));
      assert.ok(
        matches(
          'aborted-connection',
          "[Warning] Aborted connection 42 to db: 'shop' user: 'app' host: '10.0.0.5' (Got timeout reading communication packets)",
        ),
      );
      assert.ok(matches('lock-wait-timeout', 'Lock wait timeout exceeded; try restarting transaction'));
      assert.ok(matches('deadlock', 'InnoDB: Transactions deadlock detected, dumping detailed information.'));
      assert.ok(
        matches('replication-error', "[ERROR] Slave SQL: Error 'Duplicate entry '7' for key 'PRIMARY'' on query"),
      );
      assert.ok(matches('crash-recovery', '[Note] InnoDB: Starting crash recovery from checkpoint LSN=123'));
    });
  });
});
