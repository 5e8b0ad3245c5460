/**
 * Two PostgreSQL sessions update two rows in opposite orders, again and again: each round one of them is
 * aborted with "deadlock detected" (after deadlock_timeout, 1 s by default). The deadlocks panel is explained.
 */
import { induceFault } from '@kubestack/plugin-sdk';
import { Client } from 'pg';
import type { FaultBenchScenario } from '../../types.ts';

/** Past the rule's critical count (THRESHOLDS.deadlocksCritical, 10) within the window. */
const ROUNDS = 12;

export const scenario: FaultBenchScenario = {
  id: 'postgresql-deadlocks',
  title: 'Two PostgreSQL sessions keep locking two rows in opposite orders and deadlock',
  middleware: ['postgresql'],
  inject: (stack) =>
    induceFault('PostgreSQL deadlocks', async (cleanup) => {
      const table = `kubestack_fault_deadlock_${process.pid}_${Date.now() % 1_000_000}`;
      const open = async (role: string): Promise<Client> => {
        const client = new Client({
          connectionString: stack.connectors.postgresql,
          application_name: `kubestack-fault:deadlock-${role}`,
        });
        client.on('error', () => undefined);
        cleanup.add(() => client.end());
        await client.connect();
        return client;
      };
      const control = await open('control');
      await control.query(`CREATE TABLE ${table} (id int PRIMARY KEY, stock int NOT NULL)`);
      cleanup.add(() => control.query(`DROP TABLE IF EXISTS ${table}`));
      await control.query(`INSERT INTO ${table} VALUES (1, 10), (2, 10)`);
      const [first, second] = [await open('a'), await open('b')];
      const update = (client: Client, id: number) =>
        client.query(`UPDATE ${table} SET stock = stock - 1 WHERE id = ${id}`);
      let deadlocks = 0;
      for (let round = 0; round < ROUNDS; round += 1) {
        await first.query('BEGIN');
        await second.query('BEGIN');
        await update(first, 1);
        await update(second, 2);
        // Each now waits on the other's row: the deadlock detector aborts one of them.
        const outcomes = await Promise.allSettled([update(first, 2), update(second, 1)]);
        deadlocks += outcomes.filter(
          (outcome) => outcome.status === 'rejected' && /deadlock/i.test(String(outcome.reason)),
        ).length;
        await first.query('ROLLBACK');
        await second.query('ROLLBACK');
      }
      if (deadlocks === 0) throw new Error('no deadlock was detected');
    }),
  target: () => ({
    kind: 'panel',
    title: 'PostgreSQL deadlocks',
    queries: [{ datasource: 'prometheus', expr: 'sum by (instance) (rate(pg_stat_database_deadlocks[1m]))' }],
  }),
  expected: (stack) => ({ node: stack.nodes.postgresql, faultClass: 'lock-contention' }),
};
