/**
 * A PostgreSQL session opens a transaction, writes, and sits idle past the one-minute warning (an application
 * that forgot to commit): it holds its row locks and the vacuum horizon. No one waits on it, unlike the row-lock
 * scenario; the instance's idle-in-transaction age is explained.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { induceFault } from '@kubestack/plugin-sdk';
import { Client } from 'pg';
import type { FaultBenchScenario } from '../../types.ts';

/** Past the rule's warning (THRESHOLDS.idleInTransactionSeconds.warning, 60 s) by a scrape or two. */
const IDLE_SECONDS = 70;

export const scenario: FaultBenchScenario = {
  id: 'postgresql-idle-in-transaction',
  title: 'A PostgreSQL transaction is left idle after a write for over a minute',
  middleware: ['postgresql'],
  inject: (stack) =>
    induceFault('PostgreSQL idle transaction', async (cleanup) => {
      const table = `kubestack_fault_idle_${process.pid}_${Date.now() % 1_000_000}`;
      const session = new Client({
        connectionString: stack.connectors.postgresql,
        application_name: 'kubestack-fault:idle-in-transaction',
      });
      session.on('error', () => undefined);
      cleanup.add(() => session.end());
      await session.connect();
      await session.query('SET idle_in_transaction_session_timeout = 0');
      await session.query(`CREATE TABLE ${table} (id int PRIMARY KEY, stock int NOT NULL)`);
      cleanup.add(() => session.query(`DROP TABLE IF EXISTS ${table}`));
      await session.query(`INSERT INTO ${table} VALUES (1, 10)`);
      cleanup.add(() => session.query('ROLLBACK'));
      await session.query('BEGIN');
      await session.query(`UPDATE ${table} SET stock = stock - 1 WHERE id = 1`);
      await sleep(IDLE_SECONDS * 1000);
    }),
  target: (stack) => ({ kind: 'instance', node: stack.nodes.postgresql, signal: 'idle-in-transaction-age' }),
  expected: (stack) => ({ node: stack.nodes.postgresql, faultClass: 'long-transaction' }),
};
