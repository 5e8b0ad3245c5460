/** A transaction left idle holds a row lock another session waits on; the instance is explained. */
import { pluginFault } from '../../plugin-faults.ts';
import type { FaultBenchScenario } from '../../types.ts';

export const scenario: FaultBenchScenario = {
  id: 'postgresql-row-lock',
  title: 'A PostgreSQL session holds a row lock in an idle transaction while another waits on it',
  middleware: ['postgresql'],
  inject: pluginFault('postgresql', 'row-lock-held-by-idle-transaction'),
  target: (stack) => ({ kind: 'instance', node: stack.nodes.postgresql }),
  // The holder is both: a lock others wait on, held by a transaction left open.
  expected: (stack) => ({ node: stack.nodes.postgresql, faultClass: ['lock-contention', 'long-transaction'] }),
};
