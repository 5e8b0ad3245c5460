/** Idle connections fill a temporarily lowered max_connections; the connections signal is explained. */
import { pluginFault } from '../../plugin-faults.ts';
import type { FaultBenchScenario } from '../../types.ts';

export const scenario: FaultBenchScenario = {
  id: 'mysql-connections',
  title: 'Idle MySQL connections take over 80 % of a lowered max_connections',
  middleware: ['mysql'],
  inject: pluginFault('mysql', 'idle-connections-near-lowered-max-connections'),
  target: (stack) => ({ kind: 'instance', node: stack.nodes.mysql, signal: 'connections' }),
  expected: (stack) => ({ node: stack.nodes.mysql, faultClass: 'connection-exhaustion' }),
};
