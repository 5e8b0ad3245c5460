/**
 * Real MySQL / MariaDB faults for tests, the demo and the fault-injection suite, each with the rules that
 * catch it. They need an account that may create tables in the URL's database (the URL must name one), see
 * other threads (PROCESSLIST) and set global variables (SUPER or SYSTEM_VARIABLES_ADMIN). Every statement
 * they leave waiting carries FAULT_TAG in a comment, for whoever reads PROCESSLIST itself (the connector drops
 * comments with literals), and names a table `kubestack_fault_<pid>_<n>`, which is how the connector's facts
 * show it. The connections scenario lowers max_connections for as long as it is in place: a process killed
 * before its undo leaves it lowered.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type Cleanup, type FaultScenario, induceFault } from '@kubestack/plugin-sdk';
import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';
import { THRESHOLDS } from './rules.ts';

/** Marks the statements a scenario leaves waiting, in a comment the server keeps in their text (not the facts). */
export const FAULT_TAG = 'kubestack-fault';

/** How long inject waits for the server to show a fault before it gives up. */
const SETTLE_TIMEOUT_MS = 15_000;
/** How long undo waits for closed connections' threads to leave PROCESSLIST. */
const EXIT_TIMEOUT_MS = 10_000;
/**
 * InnoDB serves INNODB_TRX and INNODB_LOCK_WAITS from a snapshot that it refreshes only when nobody has
 * read them for 100 ms, so reads spaced more closely keep returning the old one. Polls of those tables
 * are spaced wider than that, and a scenario's last read leaves a snapshot the connector can rely on.
 */
const INNODB_SNAPSHOT_IDLE_MS = 250;

let injections = 0;

/** A connection whose undo step closes it (which also rolls back what it left open). */
async function session(url: string, cleanup: Cleanup, threads?: number[]): Promise<Connection> {
  const connection = await createConnection(url);
  // A connection the server closes emits 'error'; the step that used it reports what failed.
  connection.on('error', () => undefined);
  cleanup.add(() => connection.end().catch(() => connection.destroy()));
  threads?.push(connection.threadId);
  return connection;
}

async function one<R>(connection: Connection, sql: string, values: unknown[] = []): Promise<R | undefined> {
  const [rows] = await connection.query<RowDataPacket[]>(sql, values);
  return rows[0] as R | undefined;
}

/** Resolves once none of `threads` is left (a closed connection's thread exits shortly after). */
async function threadsGone(control: Connection, threads: number[]): Promise<void> {
  if (threads.length === 0) return;
  const deadline = Date.now() + EXIT_TIMEOUT_MS;
  for (;;) {
    const left = Number(
      (
        await one<{ count: number }>(
          control,
          'SELECT COUNT(*) AS count FROM information_schema.PROCESSLIST WHERE ID IN (?)',
          [threads],
        )
      )?.count ?? 0,
    );
    if (left === 0) return;
    if (Date.now() > deadline) throw new Error(`${left} fault connection(s) still open after closing them`);
    await sleep(50);
  }
}

/**
 * Resolves once a fresh snapshot of InnoDB's transaction tables shows none of `threads`, so a reader within
 * the next 100 ms, which gets that same snapshot, does not see a wait that is over.
 */
async function innodbSnapshotClear(control: Connection, threads: number[]): Promise<void> {
  if (threads.length === 0) return;
  const deadline = Date.now() + EXIT_TIMEOUT_MS;
  for (;;) {
    // The first read may still return a snapshot taken while the fault was in place.
    await sleep(INNODB_SNAPSHOT_IDLE_MS);
    const left = Number(
      (
        await one<{ count: number }>(
          control,
          'SELECT COUNT(*) AS count FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id IN (?)',
          [threads],
        )
      )?.count ?? 0,
    );
    if (left === 0) return;
    if (Date.now() > deadline) throw new Error(`InnoDB still lists ${left} transaction(s) of closed fault connections`);
  }
}

const ROW_LOCK_ID = 'row-lock-held-by-idle-transaction';
/** The waiting statement gives up after this (innodb_lock_wait_timeout for its session only). */
const LOCK_WAIT_LIMIT_SECONDS = 600;

/**
 * A transaction locks a row and sits idle; another transaction's SELECT … FOR UPDATE of the same row waits
 * on it. Inject returns once that wait is past the row-lock-blocker threshold
 * (THRESHOLDS.lockWaitSeconds.warning, 5 s); the wait lasts until undo, at most 10 minutes.
 */
const rowLockHeldByIdleTransaction: FaultScenario = {
  id: ROW_LOCK_ID,
  title: 'A MySQL transaction left idle holds a row lock that another statement waits on',
  fires: ['row-lock-blocker'],
  inject: (url) =>
    induceFault(`MySQL fault ${ROW_LOCK_ID}`, async (cleanup) => {
      injections += 1;
      const table = `kubestack_fault_${process.pid}_${injections}`;
      const control = await session(url, cleanup);
      const database = await one<{ name: string | null }>(control, 'SELECT DATABASE() AS name');
      if (database?.name == null) throw new Error('the connection URL names no database to create a table in');
      await control.query(`CREATE TABLE ${table} (id INT PRIMARY KEY, stock INT NOT NULL) ENGINE=InnoDB`);
      cleanup.add(() => control.query(`DROP TABLE IF EXISTS ${table}`));
      await control.query(`INSERT INTO ${table} VALUES (1, 10)`);

      // Undo closes both connections (registered below, so run before this) and then waits for their threads
      // to leave PROCESSLIST and InnoDB's transaction snapshot.
      const threads: number[] = [];
      cleanup.add(async () => {
        await threadsGone(control, threads);
        await innodbSnapshotClear(control, threads);
      });
      const holder = await session(url, cleanup, threads);
      const waiter = await session(url, cleanup, threads);
      await waiter.query('SET SESSION innodb_lock_wait_timeout = ?', [LOCK_WAIT_LIMIT_SECONDS]);

      let waiting: Promise<unknown> | undefined;
      let waitEnded = false;
      // Rolling back lets the waiting statement through; it must be done before its connection is closed.
      cleanup.add(async () => {
        await holder.query('ROLLBACK').catch(() => undefined);
        await waiting?.catch(() => undefined);
        await waiter.query('ROLLBACK').catch(() => undefined);
      });
      await holder.query('BEGIN');
      await holder.query(`SELECT stock FROM ${table} WHERE id = 1 FOR UPDATE`);
      await waiter.query('BEGIN');
      waiting = waiter.query(`SELECT /* ${FAULT_TAG} */ stock FROM ${table} WHERE id = 1 FOR UPDATE`);
      waiting.then(
        () => {
          waitEnded = true;
        },
        () => {
          waitEnded = true;
        },
      );

      // The connector measures a wait as this does (whole seconds since trx_wait_started, which is truncated to
      // the second, so this takes 4 to 5 s), from the same snapshot: once this has seen the wait past the
      // threshold, so does a connector reading within 100 ms, and a later one reads a fresh snapshot.
      const threshold = THRESHOLDS.lockWaitSeconds.warning;
      const deadline = Date.now() + threshold * 1000 + SETTLE_TIMEOUT_MS;
      for (;;) {
        const row = await one<{ seconds: number }>(
          control,
          `SELECT TIMESTAMPDIFF(SECOND, trx_wait_started, NOW()) AS seconds FROM information_schema.INNODB_TRX
            WHERE trx_mysql_thread_id = ? AND trx_state = 'LOCK WAIT'`,
          [waiter.threadId],
        );
        const seconds = row === undefined ? undefined : Number(row.seconds);
        if (seconds !== undefined && seconds >= threshold) return;
        if (waitEnded) {
          await waiting; // rethrows the statement's own error, if it failed
          throw new Error('the second SELECT … FOR UPDATE finished although the row lock was still held');
        }
        if (Date.now() > deadline) throw new Error('the second SELECT … FOR UPDATE never waited on the row lock');
        await sleep(INNODB_SNAPSHOT_IDLE_MS);
      }
    }),
};

const CONNECTIONS_ID = 'idle-connections-near-lowered-max-connections';
/** Idle connections opened, so the share in use barely moves if another client comes or goes. */
const IDLE_CONNECTIONS = 12;
/** Slots left above the connections in use, for the connector and one other client. */
const CONNECTIONS_HEADROOM = 3;
/** The server's lowest max_connections. */
const MIN_MAX_CONNECTIONS = 10;

/**
 * Twelve idle connections, then max_connections lowered to 3 above the connections in use, which puts the
 * connector's own at over 80 % (about 87 %). Undo restores max_connections first. While the fault is in
 * place, other clients of the server have only a slot or two left.
 */
const idleConnectionsNearLoweredLimit: FaultScenario = {
  id: CONNECTIONS_ID,
  title: 'Idle MySQL connections take over 80 % of a temporarily lowered max_connections',
  fires: ['connections-near-limit'],
  inject: (url) =>
    induceFault(`MySQL fault ${CONNECTIONS_ID}`, async (cleanup) => {
      const control = await session(url, cleanup);
      const original = Number(
        (await one<{ value: number }>(control, 'SELECT @@GLOBAL.max_connections AS value'))?.value,
      );
      if (!Number.isInteger(original)) throw new Error('max_connections could not be read');

      const threads: number[] = [];
      cleanup.add(() => threadsGone(control, threads));
      for (let opened = 0; opened < IDLE_CONNECTIONS; opened += 4) {
        await Promise.all(Array.from({ length: 4 }, () => session(url, cleanup, threads)));
      }

      const status = await one<{ Value: string }>(control, "SHOW GLOBAL STATUS LIKE 'Threads_connected'");
      const connected = Number(status?.Value);
      const lowered = Math.max(MIN_MAX_CONNECTIONS, connected + CONNECTIONS_HEADROOM);
      // The connector's own connection makes one more.
      if (!((connected + 1) / lowered >= THRESHOLDS.connectionsRatio.warning && lowered < original)) {
        throw new Error(`cannot lower max_connections ${original} to ${lowered} with ${connected} connected`);
      }
      cleanup.add(() => restoreMaxConnections(url, control, original));
      await control.query('SET GLOBAL max_connections = ?', [lowered]);
    }),
};

/** Through `control`, or a new connection should it have been closed (max_connections leaves room for it). */
async function restoreMaxConnections(url: string, control: Connection, value: number): Promise<void> {
  const sql = 'SET GLOBAL max_connections = ?';
  try {
    await control.query(sql, [value]);
  } catch {
    const connection = await createConnection(url);
    try {
      await connection.query(sql, [value]);
    } finally {
      await connection.end().catch(() => connection.destroy());
    }
  }
}

export const faults: FaultScenario[] = [rowLockHeldByIdleTransaction, idleConnectionsNearLoweredLimit];
