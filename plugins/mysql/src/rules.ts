/**
 * MySQL / MariaDB diagnosis rules. State (threads, lock waits, settings, replica status) comes from the
 * connector's facts first and falls back to signals. Rates and ratios are the exception: the connector only
 * sees counters accumulated since startup, so for those the signal over the diagnosis window comes first
 * and the lifetime average from facts is the fallback.
 */
import {
  type Evidence,
  excerpt,
  factEvidence,
  formatDuration,
  formatPercent,
  formatValue,
  largestBy,
  levelAbove,
  levelBelow,
  notableLogRule,
  notableLogs,
  type Rule,
  type SignalValue,
  signalEvidence,
  windowSeconds,
} from '@kubestack/plugin-sdk';
import { type Facts, type LockWait, STATEMENT_LIST_LIMIT, type Statement } from './connector.ts';

export const THRESHOLDS = {
  /** Share of max_connections in use. */
  connectionsRatio: { warning: 0.8, critical: 0.95 },
  /** Failed connection attempts per second; health checks and scanners make a few, so not every one counts. */
  abortedConnectsPerSecond: { warning: 1, critical: 10 },
  /** Statements slower than long_query_time, per minute. */
  slowQueriesPerMinute: { warning: 1, critical: 10 },
  /** Row-lock waits shorter than this are ordinary contention. */
  lockWaitSeconds: { warning: 5, critical: 30 },
  /** This many statements queued behind row locks is an outage in the making. */
  lockWaitSessionsCritical: 10,
  longQuerySeconds: { warning: 5 * 60, critical: 30 * 60 },
  bufferPoolHitRatio: { warning: 0.99, critical: 0.95 },
  /** Below this many buffer-pool disk reads per second a low hit ratio costs too little to report. */
  bufferPoolMinDiskReadsPerSecond: 100,
  /** Lifetime counters need this many page reads before their ratio means anything. */
  bufferPoolMinLifetimeReadRequests: 1_000_000,
  tmpDiskTablesPerSecond: { warning: 1, critical: 10 },
  tableOpenCacheMissesPerSecond: { warning: 10, critical: 100 },
  replicationLagSeconds: { warning: 30, critical: 300 },
} as const;

type MysqlRule = Rule<Facts>;

/** What an explanation shows for a thread that runs no statement. */
const NO_STATEMENT = '(no statement)';

const connectionsNearLimit: MysqlRule = {
  id: 'connections-near-limit',
  title: 'Connections near max_connections',
  faultClass: 'connection-exhaustion',
  severity: 'warning',
  signals: ['connections'],
  actions: ['kill-idle-connections', 'raise-max-connections'],
  evaluate({ facts, signals }) {
    const next =
      'Next: find which clients hold them (PROCESSLIST by user and host); shrink application pools or lower ' +
      'wait_timeout; kill long-idle connections (kill-idle-connections) or raise max_connections if memory ' +
      'allows (raise-max-connections).';
    const used = facts?.status.threadsConnected;
    const limit = facts?.variables.maxConnections;
    if (facts !== undefined && used != null && limit != null && limit > 0) {
      const severity = levelAbove(used / limit, THRESHOLDS.connectionsRatio);
      if (severity === null) return null;
      const sleeping = facts.threadsByCommand.Sleep ?? { count: 0, maxSeconds: 0 };
      return {
        severity,
        explanation:
          `${used} of max_connections ${limit} are in use (${formatPercent(used / limit)}); ${sleeping.count} are ` +
          `idle (Sleep), the longest for ${formatDuration(sleeping.maxSeconds)}. Once all are taken, clients get ` +
          `"Too many connections". ${next}`,
        evidence: [
          factEvidence('Threads_connected', used),
          factEvidence('max_connections', limit),
          factEvidence('idle connections', sleeping.count),
          factEvidence('Max_used_connections', facts.status.maxUsedConnections),
        ],
      };
    }
    const connections = signals.connections;
    if (connections?.limit === undefined || connections.limit <= 0) return null;
    const severity = levelAbove(connections.max / connections.limit, THRESHOLDS.connectionsRatio);
    if (severity === null) return null;
    return {
      severity,
      explanation:
        `Connections peaked at ${connections.max} of max_connections ${connections.limit} ` +
        `(${formatPercent(connections.max / connections.limit)}; now ${connections.last}). ${next}`,
      evidence: [signalEvidence(connections)],
    };
  },
};

const connectionsRefused: MysqlRule = {
  id: 'connections-refused',
  title: 'Connections refused at max_connections',
  faultClass: 'connection-exhaustion',
  severity: 'critical',
  signals: ['refused-connections'],
  actions: ['kill-idle-connections', 'raise-max-connections'],
  // Refusals are events: only the window's rate or log lines show them; the lifetime counter cannot.
  evaluate({ signals, logs, window }) {
    const next =
      'Next: free slots by killing long-idle connections (kill-idle-connections), raise max_connections if ' +
      'memory allows (raise-max-connections), and cap the applications’ pools.';
    const rate = signals['refused-connections'];
    if (rate !== undefined) {
      if (rate.max <= 0) return null;
      const count = Math.max(1, Math.round(rate.mean * windowSeconds(window)));
      return {
        explanation: `About ${count} connection(s) were refused with "Too many connections" in the window. ${next}`,
        evidence: [signalEvidence(rate)],
      };
    }
    const found = notableLogs(logs, 'too-many-connections');
    if (found === null) return null;
    return {
      explanation: `${found.count} log line(s) report "Too many connections". ${next}`,
      evidence: [found.evidence],
    };
  },
};

const abortedConnects: MysqlRule = {
  id: 'aborted-connects',
  title: 'Many failed connection attempts',
  faultClass: 'configuration',
  severity: 'warning',
  signals: ['aborted-connects'],
  actions: [],
  evaluate({ facts, signals }) {
    const next =
      'Next: the error log and performance_schema.host_cache name the hosts; look for wrong credentials after ' +
      'a password rotation, clients hitting connect_timeout, or something probing the port.';
    const rate = lifetimeOr(signals['aborted-connects'], facts?.status.abortedConnects, facts);
    const severity = rate === null ? null : levelAbove(rate.perSecond, THRESHOLDS.abortedConnectsPerSecond);
    if (rate === null || severity === null) return null;
    return {
      severity,
      explanation:
        `${formatValue(rate.perSecond, 'per_second')} connection attempts failed ${rate.over} (Aborted_connects). ` +
        `Each one costs a handshake, and after max_connect_errors a host gets blocked. ${next}`,
      evidence: rate.evidence,
    };
  },
};

const slowQueries: MysqlRule = {
  id: 'slow-queries',
  title: 'Slow queries',
  faultClass: 'slow-queries',
  severity: 'warning',
  signals: ['slow-queries'],
  actions: ['kill-query'],
  evaluate({ facts, signals }) {
    const rate = lifetimeOr(signals['slow-queries'], facts?.status.slowQueries, facts);
    const perMinute = rate === null ? 0 : rate.perSecond * 60;
    const severity = levelAbove(perMinute, THRESHOLDS.slowQueriesPerMinute);
    if (rate === null || severity === null) return null;
    const longQueryTime = facts?.variables.longQueryTime;
    return {
      severity,
      explanation:
        `${formatValue(perMinute, 'count')} statements per minute ran longer than long_query_time` +
        `${longQueryTime == null ? '' : ` (${longQueryTime} s)`} ${rate.over}. Next: read the slow query log or ` +
        'performance_schema.events_statements_summary_by_digest for the worst digests and EXPLAIN them; ' +
        'kill a runaway one (kill-query).',
      evidence: [...rate.evidence, ...(longQueryTime == null ? [] : [factEvidence('long_query_time', longQueryTime)])],
    };
  },
};

const rowLockBlocker: MysqlRule = {
  id: 'row-lock-blocker',
  title: 'Row lock waits behind another transaction',
  faultClass: 'lock-contention',
  severity: 'warning',
  signals: ['row-lock-waits'],
  actions: ['kill-lock-blocker', 'kill-query'],
  evaluate({ facts, signals }) {
    const limit = THRESHOLDS.lockWaitSeconds;
    if (facts?.lockWaits != null) {
      const waits = facts.lockWaits.filter((wait) => wait.waitingSeconds >= limit.warning);
      const longest = largestBy(waits, 'waitingSeconds');
      if (longest === undefined) return null;
      const blocker = headBlocker(facts.lockWaits, waits);
      const blocked = waits.filter((wait) => wait.blockingThread === blocker.blockingThread);
      const timeout = facts.variables.innodbLockWaitTimeout;
      const critical = waits.length >= THRESHOLDS.lockWaitSessionsCritical || longest.waitingSeconds >= limit.critical;
      return {
        severity: critical ? 'critical' : 'warning',
        explanation:
          `${waits.length} statement(s) have waited over ${limit.warning} s for a row lock, the longest ` +
          `${formatDuration(longest.waitingSeconds)} (thread ${longest.waitingThread}: ${excerpt(longest.waitingQuery, NO_STATEMENT)})` +
          `${timeout == null ? '' : `; they fail at innodb_lock_wait_timeout ${timeout} s`}. The blocker is ` +
          `${describeBlocker(blocker)}, blocking thread(s) ${blocked.map((wait) => wait.waitingThread).join(', ')}. ` +
          'Next: have its owner commit or roll back; if it is abandoned, kill it (kill-lock-blocker, ' +
          `thread ${blocker.blockingThread}).`,
        evidence: [
          factEvidence('statements waiting on a row lock past threshold', waits.length),
          factEvidence('longest row lock wait seconds', longest.waitingSeconds),
          factEvidence('blocking thread', blocker.blockingThread),
          factEvidence('blocking thread command', blocker.blockingCommand),
          factEvidence('blocking transaction seconds', blocker.blockingTransactionSeconds),
        ],
      };
    }
    // Without the lock-wait view the blocker stays unknown; a wait present at every sample still matters.
    const current = signals['row-lock-waits'];
    if (current === undefined || current.min <= 0) return null;
    return {
      explanation:
        `InnoDB row-lock waits were in progress throughout the window (at least ${current.min}, up to ` +
        `${current.max}). The blocker needs the connector: sys.innodb_lock_waits or ` +
        'information_schema.INNODB_LOCK_WAITS names it; then kill it if abandoned (kill-lock-blocker).',
      evidence: [signalEvidence(current)],
    };
  },
};

const longRunningQueries: MysqlRule = {
  id: 'long-running-queries',
  title: 'Long-running queries',
  faultClass: 'slow-queries',
  severity: 'warning',
  signals: [],
  actions: ['kill-query'],
  // mysqld_exporter's processlist collector is off by default, so only the connector sees statement ages.
  evaluate({ facts }) {
    if (facts === undefined) return null;
    const limit = THRESHOLDS.longQuerySeconds;
    const long = facts.statements.filter((statement) => statement.seconds >= limit.warning);
    const longest = largestBy(long, 'seconds');
    if (longest === undefined) return null;
    const count = long.length === STATEMENT_LIST_LIMIT ? `At least ${long.length}` : `${long.length}`;
    return {
      severity: longest.seconds >= limit.critical ? 'critical' : 'warning',
      explanation:
        `${count} statement(s) have run over ${formatDuration(limit.warning)}; the longest, ${describe(longest)}, ` +
        `for ${formatDuration(longest.seconds)} (${longest.state || 'no state'}): ${excerpt(longest.query, NO_STATEMENT)}. ` +
        'Long statements hold locks and keep old row versions (a growing history list). Next: EXPLAIN it, and ' +
        `kill it if it is not needed (kill-query, thread ${longest.id}).`,
      evidence: [
        factEvidence('statements running past threshold', long.length),
        factEvidence('longest statement thread', longest.id),
        factEvidence('longest statement seconds', longest.seconds),
      ],
    };
  },
};

const bufferPoolHitRatioLow: MysqlRule = {
  id: 'buffer-pool-hit-ratio-low',
  title: 'Low InnoDB buffer pool hit ratio',
  faultClass: 'memory-pressure',
  severity: 'warning',
  signals: ['buffer-pool-hit-ratio', 'buffer-pool-disk-reads'],
  actions: [],
  evaluate({ facts, signals }) {
    const limit = THRESHOLDS.bufferPoolHitRatio;
    const poolSize = facts?.variables.innodbBufferPoolSize;
    const next =
      `Next: if the working set outgrew the buffer pool${poolSize == null ? '' : ` (${formatValue(poolSize, 'bytes')})`}, ` +
      'raise innodb_buffer_pool_size (commonly 50-75 % of RAM on a dedicated server); if one query scans a ' +
      'large table, index it.';
    const ratio = signals['buffer-pool-hit-ratio'];
    const reads = signals['buffer-pool-disk-reads'];
    if (ratio !== undefined && reads !== undefined) {
      const severity = levelBelow(ratio.mean, limit);
      if (reads.mean < THRESHOLDS.bufferPoolMinDiskReadsPerSecond || severity === null) return null;
      return {
        severity,
        explanation:
          `Only ${formatPercent(ratio.mean)} of InnoDB page reads were served from the buffer pool over the ` +
          `window; ${formatValue(reads.mean, 'per_second')} pages came from disk. ${next}`,
        evidence: [signalEvidence(ratio), signalEvidence(reads)],
      };
    }
    const requests = facts?.status.bufferPoolReadRequests;
    const diskReads = facts?.status.bufferPoolReads;
    if (requests == null || diskReads == null || requests < THRESHOLDS.bufferPoolMinLifetimeReadRequests) return null;
    const hitRatio = 1 - diskReads / requests;
    const severity = levelBelow(hitRatio, limit);
    if (severity === null) return null;
    return {
      severity,
      explanation:
        `Since startup only ${formatPercent(hitRatio)} of ${formatValue(requests, 'count')} InnoDB page reads ` +
        `were served from the buffer pool. ${next}`,
      evidence: [
        factEvidence('Innodb_buffer_pool_read_requests', requests),
        factEvidence('Innodb_buffer_pool_reads', diskReads),
      ],
    };
  },
};

const replicationStopped: MysqlRule = {
  id: 'replication-stopped',
  title: 'Replication stopped',
  faultClass: 'replication',
  severity: 'critical',
  signals: ['replication-running'],
  actions: [],
  evaluate({ facts, signals }) {
    if (facts !== undefined) {
      const stopped = facts.replicas.find((replica) => replica.ioRunning !== 'Yes' || replica.sqlRunning !== 'Yes');
      if (stopped === undefined) return null;
      const error = stopped.lastSqlError ?? stopped.lastIoError;
      return {
        explanation:
          `Replication${stopped.channel === '' ? '' : ` channel "${stopped.channel}"`} from ` +
          `${stopped.sourceHost ?? 'its source'} is not running: IO thread ${stopped.ioRunning ?? 'unknown'}, ` +
          `SQL thread ${stopped.sqlRunning ?? 'unknown'}${error === null ? '' : `; last error: ${error}`}. ` +
          'This replica serves ever older data. Next: fix the error (network or credentials for IO; a ' +
          'conflicting row for SQL), then START REPLICA; never skip transactions without checking consistency.',
        evidence: [
          factEvidence('IO thread running', stopped.ioRunning),
          factEvidence('SQL thread running', stopped.sqlRunning),
          factEvidence('last error', error),
        ],
      };
    }
    const running = signals['replication-running'];
    if (running === undefined || running.last !== 0) return null;
    return {
      explanation:
        'A replication thread of this replica is stopped (exporter: IO × SQL running = 0). Next: SHOW REPLICA ' +
        'STATUS shows the last error; fix it and START REPLICA.',
      evidence: [signalEvidence(running)],
    };
  },
};

const replicationLag: MysqlRule = {
  id: 'replication-lag',
  title: 'Replication lag',
  faultClass: 'replication',
  severity: 'warning',
  signals: ['replication-lag'],
  actions: [],
  evaluate({ facts, signals }) {
    const limit = THRESHOLDS.replicationLagSeconds;
    const next =
      'Next: check for long transactions or DDL on the source, a single-threaded applier (raise ' +
      'replica_parallel_workers / slave_parallel_threads), or a slow disk here.';
    if (facts !== undefined) {
      const worst = largestBy(facts.replicas, 'secondsBehindSource');
      const lag = worst?.secondsBehindSource ?? null;
      const severity = lag === null ? null : levelAbove(lag, limit);
      if (worst === undefined || lag === null || severity === null) return null;
      return {
        severity,
        explanation:
          `This replica applies changes from ${worst.sourceHost ?? 'its source'} ${formatDuration(lag)} late ` +
          `(Seconds_Behind_Master), so reads here return data that old. ${next}`,
        evidence: [factEvidence('seconds behind source', lag), factEvidence('source host', worst.sourceHost)],
      };
    }
    const signal = signals['replication-lag'];
    const severity = signal === undefined ? null : levelAbove(signal.max, limit);
    if (signal === undefined || severity === null) return null;
    return {
      severity,
      explanation: `Replication lag reached ${formatDuration(signal.max)} (now ${formatDuration(signal.last)}). ${next}`,
      evidence: [signalEvidence(signal)],
    };
  },
};

const tmpDiskTables: MysqlRule = {
  id: 'tmp-disk-tables',
  title: 'Temporary tables spilling to disk',
  faultClass: 'slow-queries',
  severity: 'warning',
  signals: ['tmp-disk-tables'],
  actions: [],
  evaluate({ facts, signals }) {
    const rate = lifetimeOr(signals['tmp-disk-tables'], facts?.status.tmpDiskTables, facts);
    const severity = rate === null ? null : levelAbove(rate.perSecond, THRESHOLDS.tmpDiskTablesPerSecond);
    if (rate === null || severity === null) return null;
    const memoryLimit = Math.min(
      facts?.variables.tmpTableSize ?? Infinity,
      facts?.variables.maxHeapTableSize ?? Infinity,
    );
    return {
      severity,
      explanation:
        `${formatValue(rate.perSecond, 'per_second')} implicit temporary tables were written to disk ${rate.over}` +
        `${Number.isFinite(memoryLimit) ? `; the in-memory limit is ${formatValue(memoryLimit, 'bytes')} (the smaller of tmp_table_size and max_heap_table_size)` : ''}. ` +
        'Next: find the GROUP BY / ORDER BY / UNION queries behind them (Created_tmp_disk_tables per digest in ' +
        'performance_schema), index them, avoid BLOB/TEXT columns in their result, or raise both limits together.',
      evidence: rate.evidence,
    };
  },
};

const tableOpenCacheMisses: MysqlRule = {
  id: 'table-open-cache-misses',
  title: 'Table open cache too small',
  faultClass: 'resource-saturation',
  severity: 'warning',
  signals: ['table-open-cache-misses'],
  actions: [],
  evaluate({ facts, signals }) {
    const rate = lifetimeOr(signals['table-open-cache-misses'], facts?.status.tableOpenCacheMisses, facts);
    const severity = rate === null ? null : levelAbove(rate.perSecond, THRESHOLDS.tableOpenCacheMissesPerSecond);
    if (rate === null || severity === null) return null;
    const cache = facts?.variables.tableOpenCache;
    return {
      severity,
      explanation:
        `${formatValue(rate.perSecond, 'per_second')} tables were opened because the table open cache did not ` +
        `hold them ${rate.over}${cache == null ? '' : ` (table_open_cache ${cache})`}; each open costs file ` +
        'descriptors and dictionary work. Next: raise table_open_cache (and open_files_limit to match).',
      evidence: [...rate.evidence, ...(cache == null ? [] : [factEvidence('table_open_cache', cache)])],
    };
  },
};

const diskFull: MysqlRule = notableLogRule({
  id: 'disk-full',
  title: 'Disk or table full',
  faultClass: 'disk-pressure',
  severity: 'critical',
  pattern: 'disk-full',
  actions: [],
  explain: (count) =>
    `${count} log line(s) report a full disk, tablespace or table; writes wait or fail. Next: find ` +
    'the full volume (data, binary logs, tmpdir); purge binary logs past their retention (PURGE BINARY ' +
    'LOGS) or grow the volume; for "The table is full" raise the in-memory limit or the tablespace.',
});

export const rules: MysqlRule[] = [
  connectionsNearLimit,
  connectionsRefused,
  abortedConnects,
  slowQueries,
  rowLockBlocker,
  longRunningQueries,
  bufferPoolHitRatioLow,
  replicationStopped,
  replicationLag,
  tmpDiskTables,
  tableOpenCacheMisses,
  diskFull,
];

/** A per-second rate: the window's mean from the signal, else the average since startup from facts. */
function lifetimeOr(
  signal: SignalValue | undefined,
  counter: number | null | undefined,
  facts: Facts | undefined,
): { perSecond: number; over: string; evidence: Evidence[] } | null {
  if (signal !== undefined) {
    return { perSecond: signal.mean, over: 'on average over the window', evidence: [signalEvidence(signal)] };
  }
  const uptime = facts?.status.uptimeSeconds;
  if (counter == null || uptime == null || uptime <= 0) return null;
  return {
    perSecond: counter / uptime,
    over: `on average since startup ${formatDuration(uptime)} ago`,
    evidence: [factEvidence('counter since startup', counter), factEvidence('Uptime', uptime)],
  };
}

/** The transaction to act on: one not itself waiting (the head of a chain), blocking the most waits. */
function headBlocker(all: LockWait[], waits: LockWait[]): LockWait {
  const waiting = new Set(all.map((wait) => wait.waitingThread));
  const heads = waits.filter((wait) => !waiting.has(wait.blockingThread));
  const candidates = heads.length > 0 ? heads : waits;
  const blocks = (thread: number) => waits.filter((wait) => wait.blockingThread === thread).length;
  return candidates.reduce((best, wait) => (blocks(wait.blockingThread) > blocks(best.blockingThread) ? wait : best));
}

function describeBlocker(wait: LockWait): string {
  const who = [wait.blockingUser, wait.blockingHost].filter((part) => part !== null).join('@');
  const doing =
    wait.blockingCommand === 'Sleep'
      ? `idle (Sleep) for ${formatDuration(wait.blockingCommandSeconds ?? 0)} inside its transaction`
      : `running ${excerpt(wait.blockingQuery, NO_STATEMENT)}`;
  return (
    `thread ${wait.blockingThread}${who === '' ? '' : ` (${who})`}, ${doing}, transaction open ` +
    formatDuration(wait.blockingTransactionSeconds)
  );
}

function describe(statement: Statement): string {
  const who = [statement.user, statement.host].filter((part) => part !== null).join('@');
  const db = statement.db === null ? '' : `, database "${statement.db}"`;
  return `thread ${statement.id}${who === '' ? '' : ` (${who}${db})`}`;
}
