/** Idle sessions take over 80 % of PostgreSQL's connection slots; the connections panel is explained. */
import { pluginFault } from '../../plugin-faults.ts';
import type { FaultBenchScenario } from '../../types.ts';

export const scenario: FaultBenchScenario = {
  id: 'postgresql-connection-slots',
  title: 'Idle PostgreSQL sessions fill the connection slots (the connections panel is explained)',
  middleware: ['postgresql'],
  inject: pluginFault('postgresql', 'idle-sessions-fill-connection-slots'),
  target: () => ({
    kind: 'panel',
    title: 'PostgreSQL connections',
    queries: [{ datasource: 'prometheus', expr: 'sum by (instance) (pg_stat_activity_count)' }],
  }),
  expected: (stack) => ({ node: stack.nodes.postgresql, faultClass: 'connection-exhaustion' }),
};
