/** A 30 ms Lua script stalls Redis and lands in the slow log; a "Redis slow" alert is explained. */
import { pluginFault } from '../../plugin-faults.ts';
import type { FaultBenchScenario } from '../../types.ts';

export const scenario: FaultBenchScenario = {
  id: 'redis-slow-command',
  title: 'A slow Lua script stalled Redis (an alert on Redis is explained)',
  middleware: ['redis'],
  inject: pluginFault('redis', 'slow-command'),
  target: (stack) => ({ kind: 'alert', alertname: 'RedisSlowCommands', node: stack.nodes.redis }),
  expected: (stack) => ({ node: stack.nodes.redis, faultClass: 'slow-queries' }),
};
