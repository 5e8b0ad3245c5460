/**
 * PostgreSQL diagnosis rules. State (sessions, locks, settings, xid age) comes from the connector's facts
 * first and falls back to signals. Rates and ratios are the exception: the connector only sees counters
 * accumulated since the last statistics reset, so for those the signal over the diagnosis window comes
 * first and the lifetime figure from facts is the fallback.
 */
import {
  excerpt,
  factEvidence,
  formatBytes,
  formatDuration,
  formatPercent,
  formatValue,
  largestBy,
  levelAbove,
  levelBelow,
  notableLogRule,
  notableLogs,
  type Rule,
  round,
  signalEvidence,
  windowSeconds,
} from '@kubestack/plugin-sdk';
import { type Facts, type LockBlocker, SESSION_LIST_LIMIT, type Session } from './connector.ts';

export const THRESHOLDS = {
  /** Share of the connection slots open to ordinary roles (max_connections minus reserved ones). */
  connectionsRatio: { warning: 0.8, critical: 0.95 },
  /** A transaction left idle this long holds its locks and VACUUM's xmin horizon for no work. */
  idleInTransactionSeconds: { warning: 60, critical: 15 * 60 },
  /** Lock waits shorter than this are ordinary contention. */
  lockWaitSeconds: { warning: 5, critical: 60 },
  /** This many sessions queued behind locks is an outage in the making. */
  lockWaitSessionsCritical: 10,
  longQuerySeconds: { warning: 5 * 60, critical: 30 * 60 },
  cacheHitRatio: { warning: 0.95, critical: 0.9 },
  /** Below this many 8 KiB block reads per second a low hit ratio costs too little to report. */
  cacheMinBlockReadsPerSecond: 100,
  /** Lifetime counters need this many block accesses before their ratio means anything. */
  cacheMinLifetimeAccesses: 1_000_000,
  replicationLagSeconds: { warning: 30, critical: 300 },
  /** The exporter reports lag only in WAL bytes, on the primary. */
  replicationLagBytes: { warning: 1024 ** 3, critical: 8 * 1024 ** 3 },
  /** Deadlocks in the diagnosis window. */
  deadlocksCritical: 10,
  /** age(datfrozenxid): writes stop short of 2^31; autovacuum normally keeps it near 200 million. */
  xidAge: { warning: 1_200_000_000, critical: 1_600_000_000 },
} as const;

const XID_LIMIT = 2 ** 31;
/** What an explanation shows for a statement the connector's role may not see. */
const NOT_VISIBLE = '(not visible)';

type PgRule = Rule<Facts>;

const connectionsNearLimit: PgRule = {
  id: 'connections-near-limit',
  title: 'Connections near max_connections',
  faultClass: 'connection-exhaustion',
  severity: 'warning',
  signals: ['connections'],
  actions: ['terminate-backend'],
  evaluate({ facts, signals }) {
    const next =
      'Next: put a pooler such as PgBouncer in front or shrink the applications’ pools; to free slots now, ' +
      'terminate sessions idle for long (terminate-backend).';
    if (facts !== undefined) {
      const { maxConnections, superuserReservedConnections, reservedConnections } = facts.settings;
      const reserved = superuserReservedConnections + reservedConnections;
      const limit = maxConnections - reserved;
      const used = facts.connections.total;
      const severity = limit > 0 ? levelAbove(used / limit, THRESHOLDS.connectionsRatio) : null;
      if (severity === null) return null;
      const idle = facts.connections.byState.idle ?? 0;
      const idleInTransaction = facts.connections.byState['idle in transaction'] ?? 0;
      return {
        severity,
        explanation:
          `${used} of the ${limit} connection slots open to ordinary roles are in use (${formatPercent(used / limit)}): ` +
          `max_connections ${maxConnections} minus ${reserved} reserved. ${idle} are idle and ${idleInTransaction} ` +
          'idle in a transaction. Once the rest are taken, clients get "remaining connection slots are reserved". ' +
          next,
        evidence: [
          factEvidence('client connections', used),
          factEvidence('max_connections', maxConnections),
          factEvidence('reserved connection slots', reserved),
          factEvidence('idle connections', idle),
          factEvidence('idle in transaction connections', idleInTransaction),
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
        `Connections peaked at ${connections.max} of the ${connections.limit} slots open to ordinary roles ` +
        `(${formatPercent(connections.max / connections.limit)}; now ${connections.last}). ${next}`,
      evidence: [signalEvidence(connections)],
    };
  },
};

const idleInTransaction: PgRule = {
  id: 'idle-in-transaction',
  title: 'Sessions idle inside an open transaction',
  faultClass: 'long-transaction',
  severity: 'warning',
  signals: ['idle-in-transaction-age'],
  actions: ['terminate-backend', 'set-idle-in-transaction-timeout'],
  evaluate({ facts, signals }) {
    const limit = THRESHOLDS.idleInTransactionSeconds;
    const consequence = 'Such sessions keep their locks and stop VACUUM from removing dead rows in every table.';
    if (facts !== undefined) {
      const stuck = facts.idleInTransaction.filter((session) => (session.stateSeconds ?? 0) >= limit.warning);
      const oldest = largestBy(stuck, 'stateSeconds');
      if (oldest === undefined) return null;
      const idleSeconds = oldest.stateSeconds ?? 0;
      const timeoutMs = facts.settings.idleInTransactionSessionTimeoutMs;
      const count = stuck.length === SESSION_LIST_LIMIT ? `At least ${stuck.length}` : `${stuck.length}`;
      return {
        severity: idleSeconds >= limit.critical ? 'critical' : 'warning',
        explanation:
          `${count} session(s) have sat idle inside an open transaction for over ${formatDuration(limit.warning)}. ` +
          `The oldest, ${describe(oldest)}, has been idle ${formatDuration(idleSeconds)} in a transaction open ` +
          `${formatDuration(oldest.transactionSeconds ?? idleSeconds)}; its last statement: ${excerpt(oldest.query, NOT_VISIBLE)}. ` +
          `${consequence} Next: fix the code path that leaves the transaction open (a missing commit or rollback), ` +
          `end these sessions (terminate-backend, state "idle in transaction", min age ${limit.warning} s)` +
          (timeoutMs === 0
            ? ', and set idle_in_transaction_session_timeout (now off) so the server ends them itself.'
            : `; idle_in_transaction_session_timeout is ${formatDuration(timeoutMs / 1000)}.`),
        evidence: [
          factEvidence('sessions idle in transaction past threshold', stuck.length),
          factEvidence('oldest idle-in-transaction pid', oldest.pid),
          factEvidence('oldest idle-in-transaction idle seconds', Math.round(idleSeconds)),
          factEvidence('idle_in_transaction_session_timeout ms', timeoutMs),
        ],
      };
    }
    const age = signals['idle-in-transaction-age'];
    const severity = age === undefined ? null : levelAbove(age.max, limit);
    if (age === undefined || severity === null) return null;
    return {
      severity,
      explanation:
        `A session idle inside a transaction had that transaction open for ${formatDuration(age.max)} ` +
        `(now ${formatDuration(age.last)}). ${consequence} Next: find it in pg_stat_activity ` +
        `(state 'idle in transaction'), end it (terminate-backend) and set idle_in_transaction_session_timeout.`,
      evidence: [signalEvidence(age)],
    };
  },
};

const lockBlocker: PgRule = {
  id: 'lock-blocker',
  title: 'Sessions waiting on a lock held by another session',
  faultClass: 'lock-contention',
  severity: 'warning',
  signals: [],
  actions: ['terminate-lock-blocker', 'cancel-backend'],
  // Only pg_locks identifies the blocker; the exporter's lock counts cannot, so there is no fallback.
  evaluate({ facts }) {
    if (facts === undefined) return null;
    // query_start bounds the wait from above; a waiting statement spends nearly all its time waiting.
    const waits = facts.lockWaits.filter((wait) => (wait.querySeconds ?? 0) >= THRESHOLDS.lockWaitSeconds.warning);
    const longest = largestBy(waits, 'querySeconds');
    const head = headBlocker(facts);
    if (longest === undefined || head === undefined) return null;
    const longestSeconds = longest.querySeconds ?? 0;
    const critical =
      waits.length >= THRESHOLDS.lockWaitSessionsCritical || longestSeconds >= THRESHOLDS.lockWaitSeconds.critical;
    return {
      severity: critical ? 'critical' : 'warning',
      explanation:
        `${waits.length} session(s) have waited on a lock for over ${THRESHOLDS.lockWaitSeconds.warning} s, ` +
        `the longest ${formatDuration(longestSeconds)}: ${describe(longest)} running ${excerpt(longest.query, NOT_VISIBLE)}. ` +
        `The blocker at the head of the queue is ${describeBlocker(head)}, blocking pid(s) ${head.blocks.join(', ')}. ` +
        'Next: have its owner commit or roll back; if it is abandoned, end it (terminate-lock-blocker, ' +
        `pid ${head.pid}); give the application a lock_timeout so waiters fail fast instead of piling up.`,
      evidence: [
        factEvidence('sessions waiting on a lock past threshold', waits.length),
        factEvidence('longest lock wait seconds', Math.round(longestSeconds)),
        factEvidence('blocking pid', head.pid),
        factEvidence('blocking session state', head.session?.state ?? null),
        factEvidence('pids blocked by it', head.blocks.join(', ')),
      ],
    };
  },
};

const longRunningQueries: PgRule = {
  id: 'long-running-queries',
  title: 'Long-running queries',
  faultClass: 'slow-queries',
  severity: 'warning',
  signals: ['active-transaction-age'],
  actions: ['cancel-backend', 'terminate-backend'],
  evaluate({ facts, signals }) {
    const limit = THRESHOLDS.longQuerySeconds;
    const consequence = 'Long statements hold locks and an old snapshot (table bloat, blocked DDL).';
    if (facts !== undefined) {
      const long = facts.activeQueries.filter((session) => (session.querySeconds ?? 0) >= limit.warning);
      const longest = largestBy(long, 'querySeconds');
      if (longest === undefined) return null;
      const seconds = longest.querySeconds ?? 0;
      const timeoutMs = facts.settings.statementTimeoutMs;
      return {
        severity: seconds >= limit.critical ? 'critical' : 'warning',
        explanation:
          `${long.length} statement(s) have run for over ${formatDuration(limit.warning)}; the longest, ` +
          `${describe(longest)}, for ${formatDuration(seconds)}` +
          `${longest.waitEvent === null ? '' : ` (now waiting on ${longest.waitEvent})`}: ${excerpt(longest.query, NOT_VISIBLE)}. ` +
          `${consequence} Next: check its plan with EXPLAIN (often a missing index or a runaway report); cancel it ` +
          `if it is not needed (cancel-backend, pid ${longest.pid}); statement_timeout is ` +
          `${timeoutMs === 0 ? 'off' : formatDuration(timeoutMs / 1000)}, consider one for the role.`,
        evidence: [
          factEvidence('statements running past threshold', long.length),
          factEvidence('longest statement pid', longest.pid),
          factEvidence('longest statement seconds', Math.round(seconds)),
          factEvidence('statement_timeout ms', timeoutMs),
        ],
      };
    }
    const age = signals['active-transaction-age'];
    const severity = age === undefined ? null : levelAbove(age.max, limit);
    if (age === undefined || severity === null) return null;
    return {
      severity,
      explanation:
        `A session running a statement had its transaction open for ${formatDuration(age.max)} ` +
        `(now ${formatDuration(age.last)}; the exporter does not say which session, autovacuum included). ` +
        `${consequence} Next: find it in pg_stat_activity (state 'active', oldest xact_start) and cancel it if ` +
        'it is not needed (cancel-backend).',
      evidence: [signalEvidence(age)],
    };
  },
};

const cacheHitRatioLow: PgRule = {
  id: 'cache-hit-ratio-low',
  title: 'Low buffer cache hit ratio',
  faultClass: 'memory-pressure',
  severity: 'warning',
  signals: ['cache-hit-ratio', 'block-reads'],
  actions: [],
  evaluate({ facts, signals }) {
    const limit = THRESHOLDS.cacheHitRatio;
    const next =
      'Next: if the working set outgrew memory, raise shared_buffers (commonly about 25 % of RAM) or add memory; ' +
      'if one query scans a large table, index it (pg_stat_statements shows which reads most). Reads served by ' +
      'the OS page cache count as misses here, so confirm with disk read I/O.';
    const ratio = signals['cache-hit-ratio'];
    const reads = signals['block-reads'];
    if (ratio !== undefined && reads !== undefined) {
      const severity = levelBelow(ratio.mean, limit);
      if (reads.mean < THRESHOLDS.cacheMinBlockReadsPerSecond || severity === null) return null;
      return {
        severity,
        explanation:
          `Only ${formatPercent(ratio.mean)} of block reads were served from shared_buffers over the window ` +
          `(lowest ${formatPercent(ratio.min)}); ${formatValue(reads.mean, 'per_second')} blocks, ` +
          `${formatBytes(reads.mean * 8192)}/s, came from outside it. ${next}`,
        evidence: [signalEvidence(ratio), signalEvidence(reads)],
      };
    }
    if (facts === undefined) return null;
    const worst = facts.databases
      .filter((db) => db.blocksHit + db.blocksRead >= THRESHOLDS.cacheMinLifetimeAccesses)
      .map((db) => ({ ...db, ratio: db.blocksHit / (db.blocksHit + db.blocksRead) }))
      .sort((a, b) => a.ratio - b.ratio)[0];
    const severity = worst === undefined ? null : levelBelow(worst.ratio, limit);
    if (worst === undefined || severity === null) return null;
    return {
      severity,
      explanation:
        `Database "${worst.name}" has served only ${formatPercent(worst.ratio)} of its ` +
        `${formatValue(worst.blocksHit + worst.blocksRead, 'count')} block reads from shared_buffers since its ` +
        `statistics were last reset. ${next}`,
      evidence: [
        factEvidence('database', worst.name),
        factEvidence('blocks hit', worst.blocksHit),
        factEvidence('blocks read', worst.blocksRead),
        factEvidence('cache hit ratio', round(worst.ratio, 4)),
      ],
    };
  },
};

const replicationLag: PgRule = {
  id: 'replication-lag',
  title: 'Replication lag',
  faultClass: 'replication',
  severity: 'warning',
  signals: ['replication-lag-bytes'],
  actions: [],
  evaluate({ facts, signals }) {
    const limit = THRESHOLDS.replicationLagSeconds;
    if (facts !== undefined) {
      const { inRecovery, replayDelaySeconds, replicas } = facts.replication;
      if (inRecovery) {
        const severity = replayDelaySeconds === null ? null : levelAbove(replayDelaySeconds, limit);
        if (replayDelaySeconds === null || severity === null) return null;
        return {
          severity,
          explanation:
            `This replica is ${formatDuration(replayDelaySeconds)} behind its primary in replaying WAL, so reads ` +
            'here return data that old. Next: look for replay conflicts with long queries here ' +
            '(max_standby_streaming_delay), a slow disk or CPU on the replica, or a WAL burst on the primary; ' +
            'pg_stat_wal_receiver shows whether it still receives.',
          evidence: [
            factEvidence('in recovery', true),
            factEvidence('replay delay seconds', Math.round(replayDelaySeconds)),
          ],
        };
      }
      const worst = largestBy(replicas, 'replayLagSeconds');
      const lag = worst?.replayLagSeconds ?? null;
      const severity = lag === null ? null : levelAbove(lag, limit);
      if (worst === undefined || lag === null || severity === null) return null;
      return {
        severity,
        explanation:
          `Replica "${worst.application ?? 'unnamed'}" (${worst.client ?? 'local'}, ${worst.syncState ?? 'async'}) ` +
          `replays ${formatDuration(lag)} behind this primary` +
          `${worst.replayLagBytes === null ? '' : ` (${formatBytes(worst.replayLagBytes)} of WAL)`}. Next: check ` +
          'its disk, CPU and network; a synchronous replica that lags slows every commit here, and WAL kept for ' +
          "it fills this server's disk.",
        evidence: [
          factEvidence('replica', worst.application),
          factEvidence('replay lag seconds', Math.round(lag)),
          factEvidence('replay lag bytes', worst.replayLagBytes),
        ],
      };
    }
    const signal = signals['replication-lag-bytes'];
    const severity = signal === undefined ? null : levelAbove(signal.max, THRESHOLDS.replicationLagBytes);
    if (signal === undefined || severity === null) return null;
    return {
      severity,
      explanation:
        `A replica fell up to ${formatBytes(signal.max)} of WAL behind this primary (now ${formatBytes(signal.last)}). ` +
        'Next: check its disk, CPU and network, and the WAL this server keeps for it.',
      evidence: [signalEvidence(signal)],
    };
  },
};

const deadlocks: PgRule = {
  id: 'deadlocks',
  title: 'Deadlocks',
  faultClass: 'lock-contention',
  severity: 'warning',
  signals: ['deadlocks'],
  actions: [],
  evaluate({ signals, logs, window }) {
    const next =
      'Next: the DETAIL of each "deadlock detected" log line names both statements; make the application take ' +
      'row locks in one consistent order, keep transactions short, and retry on SQLSTATE 40P01.';
    const rate = signals.deadlocks;
    if (rate !== undefined) {
      if (rate.max <= 0) return null;
      const count = Math.max(1, Math.round(rate.mean * windowSeconds(window)));
      return {
        severity: count >= THRESHOLDS.deadlocksCritical ? 'critical' : 'warning',
        explanation:
          `About ${count} deadlock(s) in the window (peak ${formatValue(rate.max * 60, 'count')} per minute); ` +
          `each aborted one transaction. ${next}`,
        evidence: [signalEvidence(rate)],
      };
    }
    const found = notableLogs(logs, 'deadlock');
    if (found === null) return null;
    return {
      severity: found.count >= THRESHOLDS.deadlocksCritical ? 'critical' : 'warning',
      explanation: `${found.count} "deadlock detected" log line(s) in the window. ${next}`,
      evidence: [found.evidence],
    };
  },
};

const xidWraparound: PgRule = {
  id: 'xid-wraparound',
  title: 'Transaction ID wraparound approaching',
  faultClass: 'long-transaction',
  severity: 'warning',
  signals: [],
  actions: ['vacuum-analyze-table', 'terminate-backend'],
  evaluate({ facts, logs }) {
    const next =
      'Next: end what holds the xmin horizon back (old transactions, idle-in-transaction sessions, abandoned ' +
      'replication slots or prepared transactions), then VACUUM (FREEZE) the oldest tables (vacuum-analyze-table ' +
      "with freeze; SELECT relname, age(relfrozenxid) FROM pg_class WHERE relkind = 'r' ORDER BY 2 DESC).";
    if (facts !== undefined) {
      const worst = largestBy(facts.databases, 'xidAge');
      const severity = worst === undefined ? null : levelAbove(worst.xidAge, THRESHOLDS.xidAge);
      if (worst === undefined || severity === null) return null;
      return {
        severity,
        explanation:
          `Database "${worst.name}" is ${billions(worst.xidAge)} transactions past its last full freeze ` +
          `(age(datfrozenxid)), ${formatPercent(worst.xidAge / XID_LIMIT)} of the 2^31 limit at which the server ` +
          'stops accepting writes. Autovacuum forces a freeze from autovacuum_freeze_max_age ' +
          `(${billions(facts.settings.autovacuumFreezeMaxAge)}), so something keeps it from finishing. ${next}`,
        evidence: [
          factEvidence('database', worst.name),
          factEvidence('age(datfrozenxid)', worst.xidAge),
          factEvidence('autovacuum_freeze_max_age', facts.settings.autovacuumFreezeMaxAge),
        ],
      };
    }
    const found = notableLogs(logs, 'xid-wraparound');
    if (found === null) return null;
    return {
      severity: 'critical',
      explanation: `${found.count} log line(s) warn that databases must be vacuumed to avoid wraparound. ${next}`,
      evidence: [found.evidence],
    };
  },
};

const connectionsRefused: PgRule = notableLogRule({
  id: 'connections-refused',
  title: 'Connections refused: no slots left',
  faultClass: 'connection-exhaustion',
  severity: 'critical',
  pattern: 'too-many-connections',
  actions: ['terminate-backend'],
  explain: (count) =>
    `The server refused ${count} connection attempt(s) in the window ("too many clients" or "remaining connection ` +
    'slots are reserved"): every slot open to ordinary roles was taken. Next: free slots by ending long-idle ' +
    'sessions (terminate-backend), then put a pooler in front or shrink application pools.',
});

const diskFull: PgRule = notableLogRule({
  id: 'disk-full',
  title: 'Disk full',
  faultClass: 'disk-pressure',
  severity: 'critical',
  pattern: 'disk-full',
  actions: [],
  explain: (count) =>
    `${count} log line(s) report failed writes for lack of space. Next: find which volume is full (data, pg_wal ` +
    'or temporary files); WAL piles up behind an inactive replication slot or a failing archive_command, and ' +
    'temporary files behind a runaway sort. Free or grow it before the server stops.',
});

const frequentCheckpoints: PgRule = notableLogRule({
  id: 'frequent-checkpoints',
  title: 'Checkpoints occurring too frequently',
  faultClass: 'persistence',
  severity: 'warning',
  pattern: 'frequent-checkpoints',
  actions: [],
  explain: (count) =>
    `${count} log line(s) say checkpoints are forced by WAL volume before checkpoint_timeout. Each checkpoint ` +
    'flushes dirty buffers and makes the next writes log full pages, so write I/O and WAL volume climb. ' +
    'Next: raise max_wal_size so checkpoints come from checkpoint_timeout.',
});

export const rules: PgRule[] = [
  connectionsNearLimit,
  connectionsRefused,
  idleInTransaction,
  lockBlocker,
  longRunningQueries,
  cacheHitRatioLow,
  replicationLag,
  deadlocks,
  xidWraparound,
  diskFull,
  frequentCheckpoints,
];

/** The blocker to act on: one not itself waiting (the head of a chain), blocking the most sessions. */
function headBlocker(facts: Facts): LockBlocker | undefined {
  const waiting = new Set(facts.lockWaits.map((wait) => wait.pid));
  const heads = facts.blockers.filter((blocker) => !waiting.has(blocker.pid));
  const candidates = heads.length > 0 ? heads : facts.blockers;
  return candidates.reduce<LockBlocker | undefined>(
    (best, blocker) => (best === undefined || blocker.blocks.length > best.blocks.length ? blocker : best),
    undefined,
  );
}

function describeBlocker(blocker: LockBlocker): string {
  if (blocker.pid === 0) return 'a prepared transaction (see pg_prepared_xacts; COMMIT or ROLLBACK PREPARED it)';
  const session = blocker.session;
  if (session === null) return `pid ${blocker.pid}`;
  return (
    `${describe(session)}, ${session.state ?? 'unknown state'} for ${formatDuration(session.stateSeconds ?? 0)} ` +
    `in a transaction open ${formatDuration(session.transactionSeconds ?? 0)}, last statement ${excerpt(session.query, NOT_VISIBLE)}`
  );
}

function describe(session: Session): string {
  const who = [
    session.user === null ? null : `user "${session.user}"`,
    session.application ? `application "${session.application}"` : null,
    session.database === null ? null : `database "${session.database}"`,
  ].filter((part) => part !== null);
  return who.length === 0 ? `pid ${session.pid}` : `pid ${session.pid} (${who.join(', ')})`;
}

function billions(value: number): string {
  return value >= 1e9 ? `${round(value / 1e9, 2)} billion` : `${round(value / 1e6, 0)} million`;
}
