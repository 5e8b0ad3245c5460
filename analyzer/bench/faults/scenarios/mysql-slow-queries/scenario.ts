/**
 * An application's statements run longer than long_query_time, several a second, for as long as the fault is
 * in place (its session's long_query_time is lowered to 0.1 s, no server setting changes). The slow-queries
 * signal is explained.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { induceFault } from '@kubestack/plugin-sdk';
import { createConnection } from 'mysql2/promise';
import type { FaultBenchScenario } from '../../types.ts';

const SESSIONS = 3;
const STATEMENT_SECONDS = 0.2;
/** Slow statements before inject returns: some minutes' worth of the rule's 1 per minute. */
const BEFORE_RETURNING_MS = 10_000;

export const scenario: FaultBenchScenario = {
  id: 'mysql-slow-queries',
  title: 'MySQL statements keep running past long_query_time',
  middleware: ['mysql'],
  inject: (stack) =>
    induceFault('MySQL slow queries', async (cleanup) => {
      let running = true;
      const loops: Array<Promise<void>> = [];
      cleanup.add(async () => {
        running = false;
        await Promise.allSettled(loops);
      });
      for (let index = 0; index < SESSIONS; index += 1) {
        const connection = await createConnection(stack.connectors.mysql);
        connection.on('error', () => undefined);
        cleanup.add(() => connection.end().catch(() => connection.destroy()));
        await connection.query('SET SESSION long_query_time = 0.1');
        loops.push(
          (async () => {
            while (running) await connection.query('SELECT /* kubestack-fault */ SLEEP(?)', [STATEMENT_SECONDS]);
          })().catch(() => undefined), // the connection closed by undo ends the loop
        );
      }
      await sleep(BEFORE_RETURNING_MS);
    }),
  target: (stack) => ({ kind: 'instance', node: stack.nodes.mysql, signal: 'slow-queries' }),
  expected: (stack) => ({ node: stack.nodes.mysql, faultClass: 'slow-queries' }),
};
