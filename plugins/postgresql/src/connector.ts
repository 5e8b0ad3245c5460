/**
 * Read-only PostgreSQL connector. The role needs `pg_monitor` (or superuser) to see other roles'
 * queries and replication details; without it those fields come back null. Other sessions' statements
 * are kept without their literals and comments (normalizeSql): they may hold passwords or personal data.
 */
import { type Connector, messageOf, normalizeSql, redactUrl } from '@kubestack/plugin-sdk';
import { Client } from 'pg';

/** Normalized query texts are cut to this many characters: enough to recognise a statement, small to ship. */
const QUERY_TEXT_LIMIT = 500;
/**
 * How much of a query text is read to normalize it (the server keeps up to track_activity_query_size bytes):
 * well past what is shown, as literals shrink to `?`. A literal cut here is replaced to the end.
 */
const QUERY_READ_LIMIT = 8192;
/** Longest session lists kept (oldest first); counts by state cover the rest. */
export const SESSION_LIST_LIMIT = 20;

export interface Session {
  pid: number;
  user: string | null;
  database: string | null;
  application: string | null;
  client: string | null;
  state: string | null;
  /** `type:event`, e.g. `Lock:transactionid`; null when not waiting. */
  waitEvent: string | null;
  /** Seconds since the transaction began; null outside a transaction. */
  transactionSeconds: number | null;
  /** Seconds since the current (or, when idle, the last) query began. */
  querySeconds: number | null;
  /** Seconds in the current state; for `idle in transaction`, how long it has sat idle. */
  stateSeconds: number | null;
  /** The current (or, when idle, the last) statement, without literals or comments (see normalizeSql). */
  query: string | null;
}

export interface LockWait extends Session {
  /** Pids holding or queued ahead for the lock this session waits on (0 = a prepared transaction). */
  blockedBy: number[];
}

export interface LockBlocker {
  pid: number;
  /** Pids waiting on this one. */
  blocks: number[];
  /** Null for a prepared transaction (pid 0) or a session that ended while we looked. */
  session: Session | null;
}

export interface DatabaseStats {
  name: string;
  /** age(datfrozenxid): transactions since the database was last fully frozen. */
  xidAge: number;
  /** Cumulative since the last statistics reset. */
  deadlocks: number;
  blocksHit: number;
  blocksRead: number;
}

export interface Replica {
  application: string | null;
  client: string | null;
  state: string | null;
  syncState: string | null;
  replayLagSeconds: number | null;
  replayLagBytes: number | null;
}

export interface Facts {
  serverVersion: string;
  settings: {
    maxConnections: number;
    superuserReservedConnections: number;
    /** PostgreSQL 16+ `reserved_connections`; 0 before. */
    reservedConnections: number;
    /** 0 means disabled, as in the server. */
    idleInTransactionSessionTimeoutMs: number;
    statementTimeoutMs: number;
    lockTimeoutMs: number;
    autovacuumFreezeMaxAge: number;
  };
  /** Client backends only (not autovacuum, walsenders or background workers), this session included. */
  connections: { total: number; byState: Record<string, number> };
  /** Longest idle first. */
  idleInTransaction: Session[];
  /** Longest-running first. */
  activeQueries: Session[];
  /** Sessions waiting on a heavyweight lock, longest first. */
  lockWaits: LockWait[];
  blockers: LockBlocker[];
  databases: DatabaseStats[];
  replication: {
    inRecovery: boolean;
    /** On a replica: seconds its replay is behind (0 when it has replayed all it received). */
    replayDelaySeconds: number | null;
    /** On a primary: its connected replicas. */
    replicas: Replica[];
  };
}

const SETTINGS = {
  maxConnections: 'max_connections',
  superuserReservedConnections: 'superuser_reserved_connections',
  reservedConnections: 'reserved_connections',
  idleInTransactionSessionTimeoutMs: 'idle_in_transaction_session_timeout',
  statementTimeoutMs: 'statement_timeout',
  lockTimeoutMs: 'lock_timeout',
  autovacuumFreezeMaxAge: 'autovacuum_freeze_max_age',
} as const satisfies Record<keyof Facts['settings'], string>;

const SESSION_COLUMNS = `
  pid, usename AS "user", datname AS "database", application_name AS "application",
  client_addr::text AS "client", state, wait_event_type || ':' || wait_event AS "waitEvent",
  extract(epoch FROM now() - xact_start)::float8 AS "transactionSeconds",
  extract(epoch FROM now() - query_start)::float8 AS "querySeconds",
  extract(epoch FROM now() - state_change)::float8 AS "stateSeconds",
  left(query, ${QUERY_READ_LIMIT}) AS "query"`;
const OTHER_CLIENTS = `backend_type = 'client backend' AND pid <> pg_backend_pid()`;

const SQL = {
  version: `SELECT current_setting('server_version') AS version`,
  settings: `SELECT name, setting FROM pg_settings WHERE name = ANY($1::text[])`,
  statementTimeout: `SELECT set_config('statement_timeout', $1, false)`,
  connections: `SELECT coalesce(state, 'unknown') AS state, count(*)::int AS count
    FROM pg_stat_activity WHERE backend_type = 'client backend' GROUP BY 1`,
  idleInTransaction: `SELECT ${SESSION_COLUMNS} FROM pg_stat_activity
    WHERE ${OTHER_CLIENTS} AND state LIKE 'idle in transaction%' ORDER BY state_change LIMIT $1`,
  activeQueries: `SELECT ${SESSION_COLUMNS} FROM pg_stat_activity
    WHERE ${OTHER_CLIENTS} AND state = 'active' ORDER BY query_start LIMIT $1`,
  // pg_blocking_pids briefly locks the lock manager, so it runs only for sessions that wait on a lock.
  lockWaits: `SELECT ${SESSION_COLUMNS}, pg_blocking_pids(pid) AS "blockedBy" FROM pg_stat_activity
    WHERE pid <> pg_backend_pid() AND wait_event_type = 'Lock' ORDER BY query_start LIMIT 100`,
  sessions: `SELECT ${SESSION_COLUMNS} FROM pg_stat_activity WHERE pid = ANY($1::int[])`,
  databases: `SELECT d.datname AS name, age(d.datfrozenxid)::float8 AS "xidAge",
      coalesce(s.deadlocks, 0)::float8 AS deadlocks,
      coalesce(s.blks_hit, 0)::float8 AS "blocksHit", coalesce(s.blks_read, 0)::float8 AS "blocksRead"
    FROM pg_database d LEFT JOIN pg_stat_database s ON s.datid = d.oid ORDER BY 2 DESC`,
  // An idle primary sends nothing to replay, so a replica that has replayed all it received is not behind.
  recovery: `SELECT pg_is_in_recovery() AS "inRecovery",
    CASE WHEN NOT pg_is_in_recovery() THEN NULL
         WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
         ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END::float8 AS "replayDelaySeconds"`,
  replicas: `SELECT application_name AS "application", client_addr::text AS "client", state,
      sync_state AS "syncState", extract(epoch FROM replay_lag)::float8 AS "replayLagSeconds",
      pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS "replayLagBytes"
    FROM pg_stat_replication`,
};

export const connector: Connector<Facts> = {
  // Reading sessions and locks takes a login: a monitoring role the operator configures, never a guessed superuser.
  defaultUrl: () => undefined,

  async collect(target, { timeoutMs }) {
    const progress = { step: 'connecting' };
    let client: Client | undefined;
    let lost: unknown;
    try {
      const opened = new Client({
        connectionString: target.url,
        connectionTimeoutMillis: timeoutMs,
        // The server refuses any write from this session.
        options: '-c default_transaction_read_only=on',
        application_name: 'kubestack-ai',
      });
      client = opened;
      // A connection that fails once established (server restart, failover, pg_terminate_backend) emits 'error',
      // which with no listener would end the process. The failure is reported as the connection lost.
      const dropped = new Promise<never>((_, reject) => {
        opened.on('error', (error) => {
          lost ??= error;
          reject(error);
        });
      });
      return await within(timeoutMs, Promise.race([readFacts(opened, timeoutMs, progress), dropped]));
    } catch (error) {
      const message = (cause: unknown) => redactUrl(messageOf(cause), target.url);
      throw new Error(
        lost === undefined
          ? `PostgreSQL ${target.instance.name}: ${progress.step} failed: ${message(error)}`
          : `PostgreSQL ${target.instance.name}: connection lost (${message(lost)}) while ${progress.step}`,
      );
    } finally {
      // Also aborts a connection attempt or a query still running after a timeout.
      await client?.end().catch(() => undefined);
    }
  },
};

async function readFacts(client: Client, timeoutMs: number, progress: { step: string }): Promise<Facts> {
  const read = async <R extends object>(what: string, sql: string, params: unknown[] = []): Promise<R[]> => {
    progress.step = `reading ${what}`;
    return (await client.query<R>(sql, params)).rows;
  };
  const readSessions = async <S extends Session>(what: string, sql: string, params: unknown[] = []): Promise<S[]> =>
    (await read<S>(what, sql, params)).map((session) => ({ ...session, query: safeQuery(session.query) }));
  await client.connect();
  const [version] = await read<{ version: string }>('server version', SQL.version);
  // Read before our own statement_timeout below, which pg_settings would otherwise report.
  const settings = await read<{ name: string; setting: string }>('pg_settings', SQL.settings, [
    Object.values(SETTINGS),
  ]);
  // The server stops our statements once we have stopped waiting for them.
  progress.step = 'setting statement_timeout';
  await client.query(SQL.statementTimeout, [String(timeoutMs)]);
  const connections = await read<{ state: string; count: number }>('pg_stat_activity', SQL.connections);
  const idleInTransaction = await readSessions('pg_stat_activity', SQL.idleInTransaction, [SESSION_LIST_LIMIT]);
  const activeQueries = await readSessions('pg_stat_activity', SQL.activeQueries, [SESSION_LIST_LIMIT]);
  // A wait can end between the two reads of pg_stat_activity; such rows have no blocker left.
  const lockWaits = (await readSessions<LockWait>('lock waits', SQL.lockWaits)).filter(
    (wait) => wait.blockedBy.length > 0,
  );
  const blockers = await blockersOf(lockWaits, (pids) => readSessions('lock blockers', SQL.sessions, [pids]));
  const databases = await read<DatabaseStats>('pg_stat_database', SQL.databases);
  const [recovery] = await read<Omit<Facts['replication'], 'replicas'>>('recovery status', SQL.recovery);
  const inRecovery = recovery?.inRecovery ?? false;
  const replicas = inRecovery ? [] : await read<Replica>('pg_stat_replication', SQL.replicas);
  return {
    serverVersion: version?.version ?? 'unknown',
    settings: settingsFrom(settings),
    connections: {
      total: connections.reduce((sum, row) => sum + row.count, 0),
      byState: Object.fromEntries(connections.map((row) => [row.state, row.count])),
    },
    idleInTransaction,
    activeQueries,
    lockWaits,
    blockers,
    databases,
    replication: { inRecovery, replayDelaySeconds: recovery?.replayDelaySeconds ?? null, replicas },
  };
}

/** A statement as facts keep it: without literals or comments, cut to QUERY_TEXT_LIMIT. */
function safeQuery(text: string | null): string | null {
  return text === null ? null : normalizeSql(text).slice(0, QUERY_TEXT_LIMIT);
}

/** Settles with `work`, or rejects once `timeoutMs` has passed. */
async function within<T>(timeoutMs: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

async function blockersOf(
  lockWaits: LockWait[],
  sessionsOf: (pids: number[]) => Promise<Session[]>,
): Promise<LockBlocker[]> {
  const blocks = new Map<number, number[]>();
  for (const wait of lockWaits) {
    for (const pid of wait.blockedBy) blocks.set(pid, [...(blocks.get(pid) ?? []), wait.pid]);
  }
  if (blocks.size === 0) return [];
  const sessions = new Map((await sessionsOf([...blocks.keys()])).map((session) => [session.pid, session]));
  return [...blocks].map(([pid, blocked]) => ({ pid, blocks: blocked, session: sessions.get(pid) ?? null }));
}

function settingsFrom(rows: Array<{ name: string; setting: string }>): Facts['settings'] {
  const byName = new Map(rows.map((row) => [row.name, Number(row.setting)]));
  const settings = {} as Facts['settings'];
  for (const [key, name] of Object.entries(SETTINGS) as Array<[keyof Facts['settings'], string]>) {
    settings[key] = byName.get(name) ?? 0;
  }
  return settings;
}
