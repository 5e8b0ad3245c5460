/** Where MySQL / MariaDB logs are in Elasticsearch and the server messages that matter in them. */
import type { LogSpec } from '@kubestack/plugin-sdk';

export const logs: LogSpec = {
  serviceType: 'mysql',
  notable: [
    {
      id: 'too-many-connections',
      pattern: 'too many connections',
      meaning: 'Connections were refused: max_connections is reached.',
    },
    {
      id: 'aborted-connection',
      pattern: 'aborted connection \\d+ to db',
      meaning: 'A client vanished without closing its connection (timeout, crash, network, wait_timeout).',
    },
    {
      id: 'lock-wait-timeout',
      pattern: 'lock wait timeout exceeded',
      meaning: 'A statement gave up after innodb_lock_wait_timeout: another transaction held the row too long.',
    },
    {
      id: 'deadlock',
      pattern: 'deadlock found when trying to get lock|transactions deadlock detected',
      meaning: 'InnoDB found a deadlock and rolled back one transaction.',
    },
    {
      id: 'disk-full',
      pattern:
        'disk is full|no space left on device|errno: 28|innodb: .*(is full|tablespace full)|the table .* is full',
      meaning: 'A disk, tablespace or in-memory table is full; writes fail or wait.',
    },
    {
      id: 'access-denied',
      pattern: 'access denied for user',
      meaning: 'Authentication failed: wrong credentials or a client probing the server.',
    },
    {
      id: 'crash-recovery',
      pattern: 'starting crash recovery|crash recovery finished|mysqld got signal',
      meaning: 'The server crashed or was killed and InnoDB recovered on the next start.',
    },
    {
      id: 'replication-error',
      pattern: '(slave|replica) (sql|i/o|io)[^:]*: .*error',
      meaning: 'A replication thread stopped on an error.',
    },
    {
      id: 'out-of-memory',
      pattern: 'out of memory|cannot allocate memory',
      meaning: 'The server could not allocate memory; statements fail or the server is killed.',
    },
  ],
};
