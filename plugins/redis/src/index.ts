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
  discovery: { query: 'redis_up' },
  signals,
  logs,
  rules,
  connector,
  actions,
});
