/** The MySQL / MariaDB plugin: what KubeStack-AI knows about MySQL-compatible servers. */
import { definePlugin } from '@kubestack/plugin-sdk';
import { actions } from './actions.ts';
import { connector, type Facts } from './connector.ts';
import { logs } from './logs.ts';
import { rules } from './rules.ts';
import { signals } from './signals.ts';

export type { Facts };

export default definePlugin<Facts>({
  id: 'mysql',
  displayName: 'MySQL / MariaDB',
  category: 'database',
  discovery: { query: 'mysql_up' },
  signals,
  logs,
  rules,
  connector,
  actions,
});
