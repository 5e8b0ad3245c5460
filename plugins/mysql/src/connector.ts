/**
 * Read-only MySQL / MariaDB connector. The account needs PROCESS (other sessions and InnoDB transactions)
 * and REPLICATION CLIENT, or SLAVE MONITOR on MariaDB 10.5.9+, for replica status. Other threads' statements
 * are kept without their literals and comments (normalizeSql): they may hold passwords or personal data.
 */
import { type Connector, messageOf, normalizeSql, redactUrl } from '@kubestack/plugin-sdk';
import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';

/** Normalized query texts are cut to this many characters: enough to recognise a statement, small to ship. */
const QUERY_TEXT_LIMIT = 500;
/**
 * How much of a statement is read to normalize it (PROCESSLIST holds it whole): well past what is shown, as
 * literals shrink to `?`. A literal cut here is replaced to the end.
 */
const QUERY_READ_LIMIT = 8192;
/** Longest list of running statements kept (longest first); counts by command cover the rest. */
export const STATEMENT_LIST_LIMIT = 20;

const STATUS = {
  uptimeSeconds: 'Uptime',
  threadsConnected: 'Threads_connected',
  threadsRunning: 'Threads_running',
  maxUsedConnections: 'Max_used_connections',
  abortedConnects: 'Aborted_connects',
  abortedClients: 'Aborted_clients',
  refusedConnections: 'Connection_errors_max_connections',
  slowQueries: 'Slow_queries',
  bufferPoolReadRequests: 'Innodb_buffer_pool_read_requests',
  bufferPoolReads: 'Innodb_buffer_pool_reads',
  rowLockWaits: 'Innodb_row_lock_waits',
  rowLockCurrentWaits: 'Innodb_row_lock_current_waits',
  tmpTables: 'Created_tmp_tables',
  tmpDiskTables: 'Created_tmp_disk_tables',
  tableOpenCacheHits: 'Table_open_cache_hits',
  tableOpenCacheMisses: 'Table_open_cache_misses',
} as const;

const VARIABLES = {
  maxConnections: 'max_connections',
  longQueryTime: 'long_query_time',
  innodbLockWaitTimeout: 'innodb_lock_wait_timeout',
  innodbBufferPoolSize: 'innodb_buffer_pool_size',
  tableOpenCache: 'table_open_cache',
  tmpTableSize: 'tmp_table_size',
  maxHeapTableSize: 'max_heap_table_size',
  waitTimeout: 'wait_timeout',
} as const;

/** A thread running a statement (PROCESSLIST command Query or Execute). */
export interface Statement {
  id: number;
  user: string | null;
  host: string | null;
  db: string | null;
  command: string;
  /** Seconds in the current command. */
  seconds: number;
  state: string | null;
  /** Without literals or comments (see normalizeSql). */
  query: string | null;
}

/** An InnoDB row-lock wait and the transaction it waits for. */
export interface LockWait {
  waitingThread: number;
  waitingSeconds: number;
  /** Without literals or comments, as blockingQuery (see normalizeSql). */
  waitingQuery: string | null;
  blockingThread: number;
  blockingTransactionSeconds: number;
  /** Null while the blocking transaction sits idle between statements. */
  blockingQuery: string | null;
  blockingUser: string | null;
  blockingHost: string | null;
  /** PROCESSLIST command of the blocker: `Sleep` means an open transaction nobody is using. */
  blockingCommand: string | null;
  blockingCommandSeconds: number | null;
}

export interface ReplicaChannel {
  channel: string;
  sourceHost: string | null;
  /** `Yes`, `No` or `Connecting`. */
  ioRunning: string | null;
  sqlRunning: string | null;
  /** Null while a thread is stopped. */
  secondsBehindSource: number | null;
  lastIoError: string | null;
  lastSqlError: string | null;
}

export interface Facts {
  version: string;
  /** SHOW GLOBAL STATUS, counters since startup; null when this server lacks one. */
  status: Record<keyof typeof STATUS, number | null>;
  variables: Record<keyof typeof VARIABLES, number | null>;
  /** Other threads by PROCESSLIST command (`Sleep` = idle connections). */
  threadsByCommand: Record<string, { count: number; maxSeconds: number }>;
  /** Running statements of other client threads, longest first. */
  statements: Statement[];
  /** Null when the server exposes no lock-wait view (needs INNODB_LOCK_WAITS or sys.innodb_lock_waits). */
  lockWaits: LockWait[] | null;
  /** Empty unless this server is a replica. */
  replicas: ReplicaChannel[];
}

/** What the blocker is doing, from PROCESSLIST joined as `p`; `trxStarted` is its transaction's start. */
const blockerColumns = (trxStarted: string) => `
  TIMESTAMPDIFF(SECOND, ${trxStarted}, NOW()) AS blockingTransactionSeconds,
  p.USER AS blockingUser, p.HOST AS blockingHost, p.COMMAND AS blockingCommand, p.TIME AS blockingCommandSeconds`;

const SQL = {
  version: 'SELECT VERSION() AS version',
  status: 'SHOW GLOBAL STATUS WHERE Variable_name IN (?)',
  variables: 'SHOW GLOBAL VARIABLES WHERE Variable_name IN (?)',
  threadsByCommand: `SELECT COMMAND AS command, COUNT(*) AS count, MAX(TIME) AS maxSeconds
    FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() GROUP BY COMMAND`,
  // Replication applier threads run as 'system user'; they are not client statements.
  statements: `SELECT ID AS id, USER AS user, HOST AS host, DB AS db, COMMAND AS command, TIME AS seconds,
      STATE AS state, LEFT(INFO, ${QUERY_READ_LIMIT}) AS query
    FROM information_schema.PROCESSLIST
    WHERE ID <> CONNECTION_ID() AND COMMAND IN ('Query', 'Execute') AND USER <> 'system user'
    ORDER BY TIME DESC LIMIT ${STATEMENT_LIST_LIMIT}`,
  lockWaitViews: `SELECT TABLE_SCHEMA AS tableSchema FROM information_schema.TABLES
    WHERE (TABLE_SCHEMA = 'information_schema' AND TABLE_NAME = 'INNODB_LOCK_WAITS')
       OR (TABLE_SCHEMA = 'sys' AND TABLE_NAME = 'x$innodb_lock_waits')`,
  // MariaDB and MySQL 5.7.
  lockWaitsFromInformationSchema: `SELECT r.trx_mysql_thread_id AS waitingThread,
      TIMESTAMPDIFF(SECOND, r.trx_wait_started, NOW()) AS waitingSeconds,
      LEFT(r.trx_query, ${QUERY_READ_LIMIT}) AS waitingQuery,
      b.trx_mysql_thread_id AS blockingThread, LEFT(b.trx_query, ${QUERY_READ_LIMIT}) AS blockingQuery,
      ${blockerColumns('b.trx_started')}
    FROM information_schema.INNODB_LOCK_WAITS w
    JOIN information_schema.INNODB_TRX r ON r.trx_id = w.requesting_trx_id
    JOIN information_schema.INNODB_TRX b ON b.trx_id = w.blocking_trx_id
    LEFT JOIN information_schema.PROCESSLIST p ON p.ID = b.trx_mysql_thread_id
    ORDER BY waitingSeconds DESC LIMIT 100`,
  // MySQL 8 dropped INNODB_LOCK_WAITS; its sys view reads performance_schema.data_lock_waits. The x$ variant
  // gives whole statements: innodb_lock_waits shortens them in the middle, which can split a literal.
  lockWaitsFromSys: `SELECT w.waiting_pid AS waitingThread, w.wait_age_secs AS waitingSeconds,
      LEFT(w.waiting_query, ${QUERY_READ_LIMIT}) AS waitingQuery,
      w.blocking_pid AS blockingThread, LEFT(w.blocking_query, ${QUERY_READ_LIMIT}) AS blockingQuery,
      ${blockerColumns('w.blocking_trx_started')}
    FROM sys.x$innodb_lock_waits w
    LEFT JOIN information_schema.PROCESSLIST p ON p.ID = w.blocking_pid
    ORDER BY waitingSeconds DESC LIMIT 100`,
};

/** Error codes of a connection that failed once established (reset, closed by the server). */
const CONNECTION_LOST = new Set(['ECONNRESET', 'EPIPE', 'PROTOCOL_CONNECTION_LOST']);

export const connector: Connector<Facts> = {
  // Reading threads and locks takes a login: a monitoring account the operator configures, never a guessed root.
  defaultUrl: () => undefined,

  async collect(target, { timeoutMs }) {
    const progress = { step: 'connecting' };
    const deadline = Date.now() + timeoutMs;
    let connection: Connection | undefined;
    let lost: unknown;
    try {
      const open = await createConnection({ uri: target.url, connectTimeout: timeoutMs });
      connection = open;
      // A connection that fails while no statement runs (server restart, failover, KILL) emits 'error', which with
      // no listener would end the process; a statement that is running gets the error itself.
      open.on('error', (error) => {
        lost ??= error;
      });
      // Each query gets what is left of the budget; on expiry mysql2 destroys the connection.
      const read = async <R>(what: string, sql: string, values: unknown[] = []): Promise<R[]> => {
        progress.step = `reading ${what}`;
        const timeout = Math.max(1, deadline - Date.now());
        const [rows] = await open.query<RowDataPacket[]>({ sql, values, timeout });
        return rows as R[];
      };
      await read('session setup', 'SET SESSION TRANSACTION READ ONLY');
      return await readFacts(read);
    } catch (error) {
      const message = (cause: unknown) => redactUrl(messageOf(cause), target.url);
      lost ??= progress.step !== 'connecting' && CONNECTION_LOST.has(codeOf(error)) ? error : undefined;
      throw new Error(
        lost === undefined
          ? `MySQL ${target.instance.name}: ${progress.step} failed: ${message(error)}`
          : `MySQL ${target.instance.name}: connection lost (${message(lost)}) while ${progress.step}`,
      );
    } finally {
      await connection?.end().catch(() => connection?.destroy());
    }
  },
};

type Read = <R>(what: string, sql: string, values?: unknown[]) => Promise<R[]>;

async function readFacts(read: Read): Promise<Facts> {
  const [version] = await read<{ version: string }>('server version', SQL.version);
  const status = await read<NameValue>('global status', SQL.status, [Object.values(STATUS)]);
  const variables = await read<NameValue>('global variables', SQL.variables, [Object.values(VARIABLES)]);
  const threads = await read<{ command: string; count: number; maxSeconds: number }>(
    'processlist',
    SQL.threadsByCommand,
  );
  const statements = (await read<Statement>('processlist', SQL.statements)).map((statement) => ({
    ...statement,
    query: safeQuery(statement.query),
  }));
  const views = new Set(
    (await read<{ tableSchema: string }>('lock wait views', SQL.lockWaitViews)).map((v) => v.tableSchema),
  );
  const lockWaits = views.has('information_schema')
    ? await read<LockWait>('InnoDB lock waits', SQL.lockWaitsFromInformationSchema)
    : views.has('sys')
      ? await read<LockWait>('InnoDB lock waits', SQL.lockWaitsFromSys)
      : null;
  return {
    version: version?.version ?? 'unknown',
    status: byKey(STATUS, status),
    variables: byKey(VARIABLES, variables),
    threadsByCommand: Object.fromEntries(
      threads.map((row) => [row.command, { count: Number(row.count), maxSeconds: Number(row.maxSeconds) }]),
    ),
    statements,
    lockWaits:
      lockWaits?.map((wait) => ({
        ...wait,
        waitingQuery: safeQuery(wait.waitingQuery),
        blockingQuery: safeQuery(wait.blockingQuery),
      })) ?? null,
    replicas: (await replicaStatus(read)).map(replicaChannel),
  };
}

/** SHOW REPLICA STATUS (MySQL 8.0.22+, MariaDB 10.5.1+), else the older SHOW SLAVE STATUS. */
async function replicaStatus(read: Read): Promise<Record<string, unknown>[]> {
  try {
    return await read('replica status', 'SHOW REPLICA STATUS');
  } catch (error) {
    // ER_PARSE_ERROR: a server older than the REPLICA keyword.
    if ((error as { errno?: number }).errno !== 1064) throw error;
    return await read('replica status', 'SHOW SLAVE STATUS');
  }
}

/** MySQL 8.0.22+ renamed the columns (Replica_IO_Running, Source_Host…); MariaDB kept the old ones. */
function replicaChannel(row: Record<string, unknown>): ReplicaChannel {
  const text = (...names: string[]): string | null => {
    const value = names.map((name) => row[name]).find((found) => found !== undefined && found !== null);
    return value === undefined || value === '' ? null : String(value);
  };
  const behind = text('Seconds_Behind_Source', 'Seconds_Behind_Master');
  return {
    channel: text('Channel_Name', 'Connection_name') ?? '',
    sourceHost: text('Source_Host', 'Master_Host'),
    ioRunning: text('Replica_IO_Running', 'Slave_IO_Running'),
    sqlRunning: text('Replica_SQL_Running', 'Slave_SQL_Running'),
    secondsBehindSource: behind === null ? null : Number(behind),
    lastIoError: text('Last_IO_Error'),
    lastSqlError: text('Last_SQL_Error'),
  };
}

/** A statement as facts keep it: without literals or comments, cut to QUERY_TEXT_LIMIT. */
function safeQuery(text: string | null): string | null {
  return text === null ? null : normalizeSql(text, { dialect: 'mysql' }).slice(0, QUERY_TEXT_LIMIT);
}

function codeOf(error: unknown): string {
  return String((error as { code?: unknown } | null)?.code ?? '');
}

type NameValue = { Variable_name: string; Value: string };

function byKey<K extends string>(names: Record<K, string>, rows: NameValue[]): Record<K, number | null> {
  const values = new Map(rows.map((row) => [row.Variable_name.toLowerCase(), Number(row.Value)]));
  const result = {} as Record<K, number | null>;
  for (const [key, name] of Object.entries(names) as Array<[K, string]>) {
    const value = values.get(name.toLowerCase());
    result[key] = value === undefined || Number.isNaN(value) ? null : value;
  }
  return result;
}
