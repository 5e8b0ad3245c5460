/** Remediation actions for MySQL / MariaDB, declared here and executed by the remediation workflow. */
import type { ActionSpec } from '@kubestack/plugin-sdk';

const threadId = { type: 'integer', minimum: 1, description: 'Connection id (PROCESSLIST ID).' };

export const actions: ActionSpec[] = [
  {
    id: 'kill-query',
    title: 'Kill a running statement',
    description: 'KILL QUERY <id>: stops the statement; the connection and its transaction stay open.',
    risk: 'low',
    reversible: false,
    params: { type: 'object', properties: { threadId }, required: ['threadId'], additionalProperties: false },
  },
  {
    id: 'kill-lock-blocker',
    title: 'Kill the connection holding row locks others wait on',
    description:
      'KILL CONNECTION <id> after re-checking that it still blocks another transaction; its transaction rolls ' +
      'back (which can take as long as it ran) and the waiting statements proceed.',
    risk: 'medium',
    reversible: false,
    params: { type: 'object', properties: { threadId }, required: ['threadId'], additionalProperties: false },
  },
  {
    id: 'raise-max-connections',
    title: 'Raise max_connections',
    description:
      'SET GLOBAL max_connections, at most double the current value: each connection costs per-thread ' +
      'memory. Not persisted across restarts; the previous value is recorded to restore.',
    risk: 'medium',
    reversible: true,
    params: {
      type: 'object',
      properties: { maxConnections: { type: 'integer', minimum: 10, maximum: 10_000, description: 'The new limit.' } },
      required: ['maxConnections'],
      additionalProperties: false,
    },
  },
  {
    id: 'kill-idle-connections',
    title: 'Kill idle connections',
    description:
      'KILL CONNECTION on connections in Sleep for at least a given time, longest idle first; an idle ' +
      'connection with an open transaction rolls it back. Clients must reconnect.',
    risk: 'medium',
    reversible: false,
    params: {
      type: 'object',
      properties: {
        minIdleSeconds: { type: 'integer', minimum: 60, description: 'Only connections idle at least this long.' },
        maxCount: { type: 'integer', minimum: 1, maximum: 500, description: 'Kill at most this many.' },
        user: { type: 'string', minLength: 1, description: 'Only connections of this account.' },
      },
      required: ['minIdleSeconds', 'maxCount'],
      additionalProperties: false,
    },
  },
];
