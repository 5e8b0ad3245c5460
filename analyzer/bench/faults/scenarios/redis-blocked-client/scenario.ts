/** A client blocked in BLPOP on a list nobody feeds; the instance's blocked clients are explained. */
import { pluginFault } from '../../plugin-faults.ts';
import type { FaultBenchScenario } from '../../types.ts';

export const scenario: FaultBenchScenario = {
  id: 'redis-blocked-client',
  title: 'A Redis client is blocked in BLPOP on a list nobody feeds',
  middleware: ['redis'],
  inject: pluginFault('redis', 'client-blocked-in-blpop'),
  target: (stack) => ({ kind: 'instance', node: stack.nodes.redis, signal: 'blocked_clients' }),
  expected: (stack) => ({ node: stack.nodes.redis, faultClass: 'lock-contention' }),
};
