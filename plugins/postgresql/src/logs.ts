/** Where PostgreSQL logs are in Elasticsearch and the server messages that matter in them. */
import type { LogSpec } from '@kubestack/plugin-sdk';

export const logs: LogSpec = {
  serviceType: 'postgresql',
  notable: [
    {
      id: 'deadlock',
      pattern: 'deadlock detected',
      meaning: 'Two transactions waited on each other; the server aborted one of them.',
    },
    {
      id: 'too-many-connections',
      // "too many clients already" (max_connections) and "remaining connection slots are reserved for …"
      pattern: 'too many clients already|remaining connection slots are reserved',
      meaning: 'Connections were refused: every slot open to ordinary roles is taken.',
    },
    {
      id: 'disk-full',
      pattern: 'could not extend file|no space left on device|could not write to file',
      meaning: 'The disk holding data, WAL or temporary files is full; writes fail.',
    },
    {
      id: 'idle-in-transaction-timeout',
      pattern: 'terminating connection due to idle-in-transaction timeout',
      meaning: 'idle_in_transaction_session_timeout ended a session that left its transaction open.',
    },
    {
      id: 'lock-timeout',
      pattern: 'canceling statement due to lock timeout',
      meaning: 'A statement gave up waiting for a lock after lock_timeout: something holds it too long.',
    },
    {
      id: 'statement-timeout',
      pattern: 'canceling statement due to statement timeout',
      meaning: 'A statement ran past statement_timeout and was cancelled.',
    },
    {
      id: 'crash-recovery',
      pattern: 'database system was not properly shut down|database system was interrupted',
      meaning: 'The server is recovering after a crash or an unclean stop.',
    },
    {
      id: 'frequent-checkpoints',
      pattern: 'checkpoints are occurring too frequently',
      meaning: 'WAL volume forces checkpoints before checkpoint_timeout: max_wal_size is too small.',
    },
    {
      id: 'xid-wraparound',
      pattern: 'must be vacuumed within \\d+ transactions|not accepting commands to avoid wraparound',
      meaning: 'Transaction IDs are close to wraparound; the server will refuse writes unless vacuumed.',
    },
    {
      id: 'out-of-memory',
      pattern: 'out of memory|was terminated by signal 9',
      meaning: 'A backend ran out of memory or was killed by the OOM killer (the server then restarts).',
    },
  ],
};
