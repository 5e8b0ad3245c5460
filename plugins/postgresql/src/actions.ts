/** Remediation actions for PostgreSQL, declared here and executed by the remediation workflow. */
import type { ActionSpec } from '@kubestack/plugin-sdk';

const pid = { type: 'integer', minimum: 1, description: 'Backend process id (pg_stat_activity.pid).' };

export const actions: ActionSpec[] = [
  {
    id: 'cancel-backend',
    title: 'Cancel a running query',
    description: 'pg_cancel_backend(pid): stops the current statement; the session and its connection stay.',
    risk: 'low',
    reversible: false,
    params: { type: 'object', properties: { pid }, required: ['pid'], additionalProperties: false },
  },
  {
    id: 'terminate-backend',
    title: 'Terminate sessions',
    description:
      'pg_terminate_backend on client sessions in a given state for at least a given time, oldest first; ' +
      'their open transactions roll back and their clients must reconnect.',
    risk: 'medium',
    reversible: false,
    params: {
      type: 'object',
      properties: {
        state: {
          type: 'string',
          enum: ['idle in transaction', 'idle in transaction (aborted)', 'idle', 'active'],
          description: 'pg_stat_activity.state of the sessions to end.',
        },
        minAgeSeconds: {
          type: 'integer',
          minimum: 0,
          description: 'Only sessions in that state for at least this long.',
        },
        maxCount: { type: 'integer', minimum: 1, maximum: 100, description: 'End at most this many sessions.' },
      },
      required: ['state', 'minAgeSeconds', 'maxCount'],
      additionalProperties: false,
    },
  },
  {
    id: 'terminate-lock-blocker',
    title: 'Terminate the session holding a lock others wait on',
    description:
      'pg_terminate_backend on one blocker after re-checking with pg_blocking_pids that it still blocks; ' +
      'its transaction rolls back and the waiting sessions proceed.',
    risk: 'medium',
    reversible: false,
    params: { type: 'object', properties: { pid }, required: ['pid'], additionalProperties: false },
  },
  {
    id: 'set-idle-in-transaction-timeout',
    title: 'Set idle_in_transaction_session_timeout',
    description:
      'ALTER SYSTEM SET idle_in_transaction_session_timeout and pg_reload_conf(): the server then ends sessions ' +
      'that leave a transaction idle longer; new sessions pick it up. The previous value is recorded to restore.',
    risk: 'low',
    reversible: true,
    params: {
      type: 'object',
      properties: {
        timeoutSeconds: { type: 'integer', minimum: 10, maximum: 86_400, description: 'The new timeout.' },
      },
      required: ['timeoutSeconds'],
      additionalProperties: false,
    },
  },
  {
    id: 'vacuum-analyze-table',
    title: 'VACUUM (ANALYZE) a table',
    description:
      'VACUUM (ANALYZE[, FREEZE]) one table: removes dead rows, refreshes planner statistics, and with FREEZE ' +
      'advances its relfrozenxid against wraparound. Reads the whole table; changes no data.',
    risk: 'low',
    reversible: true,
    params: {
      type: 'object',
      properties: {
        database: { type: 'string', minLength: 1 },
        schema: { type: 'string', minLength: 1, default: 'public' },
        table: { type: 'string', minLength: 1 },
        freeze: { type: 'boolean', default: false },
      },
      required: ['database', 'table'],
      additionalProperties: false,
    },
  },
];
