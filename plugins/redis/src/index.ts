/** The Redis plugin: what KubeStack-AI knows about Redis, as data plus small pure functions. */
import { definePlugin } from '@kubestack/plugin-sdk';
import { actions } from './actions.ts';
import { connector, type Facts } from './connector.ts';
import { logs } from './logs.ts';
import { rules } from './rules.ts';
import { signals } from './signals.ts';

export type { Facts };

export default definePlugin<Facts>({
  id: 'redis',
  displayName: 'Redis',
  category: 'cache',
  // redis_exporter's own verdict: 1 when it reaches Redis, 0 when not. When the exporter itself is
  // down its redis_up vanishes: its target then stays listed, as down, for an hour.
  discovery: {
    query: 'redis_up or on (job, instance) (0 * (up and on (job, instance) last_over_time(redis_up[1h])))',
  },
  signals,
  logs,
  rules,
  connector,
  actions,
});
