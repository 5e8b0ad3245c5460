/** A MySQL transaction left idle holds a row lock another statement waits on; row-lock waits are explained. */
import { pluginFault } from '../../plugin-faults.ts';
import type { FaultBenchScenario } from '../../types.ts';

export const scenario: FaultBenchScenario = {
  id: 'mysql-row-lock',
  title: 'A MySQL transaction left idle holds a row lock that another statement waits on',
  middleware: ['mysql'],
  inject: pluginFault('mysql', 'row-lock-held-by-idle-transaction'),
  target: (stack) => ({ kind: 'instance', node: stack.nodes.mysql, signal: 'row-lock-waits' }),
  expected: (stack) => ({ node: stack.nodes.mysql, faultClass: ['lock-contention', 'long-transaction'] }),
};
