/** The PostgreSQL plugin: what KubeStack-AI knows about PostgreSQL servers. */
import { definePlugin } from '@kubestack/plugin-sdk';
import { actions } from './actions.ts';
import { connector, type Facts } from './connector.ts';
import { logs } from './logs.ts';
import { rules } from './rules.ts';
import { signals } from './signals.ts';

export type { Facts };

export default definePlugin<Facts>({
  id: 'postgresql',
  displayName: 'PostgreSQL',
  category: 'database',
  discovery: { query: 'pg_up' },
  signals,
  logs,
  rules,
  connector,
  actions,
});
