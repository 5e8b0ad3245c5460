/** Redis filled toward a lowered maxmemory under noeviction; seen on the Redis memory panel. */
import { pluginFault } from '../../plugin-faults.ts';
import type { FaultBenchScenario } from '../../types.ts';

export const scenario: FaultBenchScenario = {
  id: 'redis-memory-noeviction',
  title: 'Redis is near maxmemory with noeviction (the Redis memory panel is explained)',
  middleware: ['redis'],
  inject: pluginFault('redis', 'memory-near-maxmemory-noeviction'),
  target: () => ({
    kind: 'panel',
    title: 'Redis memory',
    queries: [{ datasource: 'prometheus', expr: 'redis_memory_used_bytes' }],
  }),
  expected: (stack) => ({ node: stack.nodes.redis, faultClass: 'memory-pressure' }),
};
