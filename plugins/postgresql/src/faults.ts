/**
 * Real PostgreSQL faults for tests, the demo and the fault-injection suite, each with the rules that catch
 * it. They need a role that may create tables in the URL's database and see other sessions' activity (a
 * superuser, or pg_monitor plus CREATE on the default schema). Every session they open carries FAULT_TAG in
 * its application_name (`kubestack-fault:<pid>_<n>:<role>`), which is how the connector's facts show them; the
 * statements they leave waiting carry it in a comment too, for whoever reads pg_stat_activity itself (the
 * connector drops comments with literals). They change no server setting.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type Cleanup, type FaultScenario, induceFault } from '@kubestack/plugin-sdk';
import { Client } from 'pg';
import { THRESHOLDS } from './rules.ts';

/** Marks what a scenario leaves on the server: in application_name, and in a comment of waiting statements. */
export const FAULT_TAG = 'kubestack-fault';

/** How long inject waits for the server to show a fault before it gives up. */
const SETTLE_TIMEOUT_MS = 15_000;
/** How long undo waits for the backends of closed sessions to leave pg_stat_activity. */
const EXIT_TIMEOUT_MS = 10_000;

let injections = 0;

/**
 * A session named `application` with the server's timeouts off, so only the scenario decides how long it
 * waits or sits idle. Its undo step closes it (which also rolls back what it left open).
 */
async function session(url: string, application: string, cleanup: Cleanup): Promise<Client> {
  const client = new Client({ connectionString: url, application_name: application });
  // A closed or broken connection emits 'error'; the step that used it reports what failed.
  client.on('error', () => undefined);
  cleanup.add(() => client.end());
  await client.connect();
  await client.query('SET statement_timeout = 0; SET lock_timeout = 0; SET idle_in_transaction_session_timeout = 0');
  return client;
}

/** Names unique to one injection: `application(role)` for sessions, `table` for a test table. */
function names(): { application: (role: string) => string; table: string } {
  injections += 1;
  const suffix = `${process.pid}_${injections}`;
  // application_name keeps 63 bytes; this stays well under.
  return { application: (role) => `${FAULT_TAG}:${suffix}:${role}`, table: `kubestack_fault_${suffix}` };
}

/** Resolves once no backend named one of `applications` is left (a closed session's backend exits shortly after). */
async function backendsGone(control: Client, applications: string[]): Promise<void> {
  const deadline = Date.now() + EXIT_TIMEOUT_MS;
  for (;;) {
    const { rows } = await control.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM pg_stat_activity
        WHERE application_name = ANY($1::text[]) AND pid <> pg_backend_pid()`,
      [applications],
    );
    const left = rows[0]?.count ?? 0;
    if (left === 0) return;
    if (Date.now() > deadline) throw new Error(`${left} fault session(s) still open after closing them`);
    await sleep(50);
  }
}

async function pidOf(client: Client): Promise<number> {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const pid = rows[0]?.pid;
  if (pid === undefined) throw new Error('pg_backend_pid() returned no row');
  return pid;
}

const ROW_LOCK_ID = 'row-lock-held-by-idle-transaction';

/**
 * A transaction updates a row and sits idle; another session's UPDATE of the same row waits on it. Inject
 * returns once that wait is past the lock-blocker threshold (THRESHOLDS.lockWaitSeconds.warning, 5 s).
 */
const rowLockHeldByIdleTransaction: FaultScenario = {
  id: ROW_LOCK_ID,
  title: 'A PostgreSQL session holds a row lock in an idle transaction while another session waits on it',
  fires: ['lock-blocker'],
  inject: (url) =>
    induceFault(`PostgreSQL fault ${ROW_LOCK_ID}`, async (cleanup) => {
      const { application, table } = names();
      const control = await session(url, application('control'), cleanup);
      await control.query(`CREATE TABLE ${table} (id int PRIMARY KEY, stock int NOT NULL)`);
      cleanup.add(() => control.query(`DROP TABLE IF EXISTS ${table}`));
      await control.query(`INSERT INTO ${table} VALUES (1, 10)`);

      // Undo closes both sessions (registered below, so run before this) and then waits for their backends.
      cleanup.add(() => backendsGone(control, [application('lock-holder'), application('lock-waiter')]));
      const holder = await session(url, application('lock-holder'), cleanup);
      const waiter = await session(url, application('lock-waiter'), cleanup);
      const [holderPid, waiterPid] = [await pidOf(holder), await pidOf(waiter)];

      let waiting: Promise<unknown> | undefined;
      let waitEnded = false;
      // Rolling back lets the waiting UPDATE through; it must be done before its session is closed.
      cleanup.add(async () => {
        await holder.query('ROLLBACK').catch(() => undefined);
        await waiting?.catch(() => undefined);
      });
      await holder.query('BEGIN');
      await holder.query(`UPDATE ${table} SET stock = stock - 1 WHERE id = 1`);
      waiting = waiter.query(`UPDATE /* ${FAULT_TAG} */ ${table} SET stock = stock - 2 WHERE id = 1`);
      waiting.then(
        () => {
          waitEnded = true;
        },
        () => {
          waitEnded = true;
        },
      );

      // The rule measures a wait from its statement's query_start, as this does.
      const threshold = THRESHOLDS.lockWaitSeconds.warning + 0.1;
      const deadline = Date.now() + threshold * 1000 + SETTLE_TIMEOUT_MS;
      for (;;) {
        const { rows } = await control.query<{ seconds: number }>(
          `SELECT extract(epoch FROM now() - query_start)::float8 AS seconds FROM pg_stat_activity
            WHERE pid = $1 AND wait_event_type = 'Lock' AND $2::int = ANY(pg_blocking_pids(pid))`,
          [waiterPid, holderPid],
        );
        const seconds = rows[0]?.seconds;
        if (seconds !== undefined && seconds >= threshold) return;
        if (waitEnded) {
          await waiting; // rethrows the UPDATE's own error, if it failed
          throw new Error('the second UPDATE finished although the row lock was still held');
        }
        if (Date.now() > deadline) throw new Error('the second UPDATE never waited on the held row lock');
        await sleep(seconds === undefined ? 50 : Math.min(500, Math.max(20, (threshold - seconds) * 1000)));
      }
    }),
};

const CONNECTIONS_ID = 'idle-sessions-fill-connection-slots';
/** Sessions past the warning share, so one other client leaving meanwhile does not drop below it. */
const CONNECTIONS_MARGIN = 2;
/** Slots left free for other clients however the numbers fall. */
const CONNECTIONS_HEADROOM = 3;

/**
 * Idle sessions, opened until client backends (the connector's own included) are just past the warning
 * share of the slots open to ordinary roles (max_connections cannot be lowered without a restart): 48 of
 * 57 with max_connections 60 and 3 reserved, 80 of 97 with 100. They open in well under a second.
 */
const idleSessionsFillConnectionSlots: FaultScenario = {
  id: CONNECTIONS_ID,
  title: 'Idle PostgreSQL sessions take over 80 % of the connection slots open to ordinary roles',
  fires: ['connections-near-limit'],
  inject: (url) =>
    induceFault(`PostgreSQL fault ${CONNECTIONS_ID}`, async (cleanup) => {
      const { application } = names();
      const control = await session(url, application('control'), cleanup);
      const [row] = (
        await control.query<{ limit: number; used: number }>(
          `SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int
              - coalesce(current_setting('reserved_connections', true), '0')::int AS "limit",
            (SELECT count(*)::int FROM pg_stat_activity WHERE backend_type = 'client backend') AS used`,
        )
      ).rows;
      const limit = row?.limit ?? 0;
      const used = row?.used ?? 0;
      const target = Math.ceil(limit * THRESHOLDS.connectionsRatio.warning) + CONNECTIONS_MARGIN;
      // The connector's own session makes one more.
      const open = target - used - 1;
      if (open < 1 || target > limit - CONNECTIONS_HEADROOM) {
        throw new Error(
          `cannot take ${used} client sessions to ${target} of ${limit} slots and leave ${CONNECTIONS_HEADROOM} free`,
        );
      }
      // Undo closes the sessions (registered below, so run before this) and then waits for their backends.
      cleanup.add(() => backendsGone(control, [application('idle')]));
      // A few at a time: each connection forks a backend.
      for (let opened = 0; opened < open; opened += 10) {
        const batch = Math.min(10, open - opened);
        await Promise.all(Array.from({ length: batch }, () => session(url, application('idle'), cleanup)));
      }
    }),
};

export const faults: FaultScenario[] = [rowLockHeldByIdleTransaction, idleSessionsFillConnectionSlots];
