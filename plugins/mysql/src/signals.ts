/**
 * Key MySQL / MariaDB signals, from mysqld_exporter's default collectors.
 * Counters become rates over `{{rate_interval}}` (at least four scrapes and one query step, set by the
 * analyzer), so they neither vanish with slow scrapes nor skip data between steps; no rule here
 * depends on a particular range.
 */
import type { SignalSpec } from '@kubestack/plugin-sdk';

const at = 'instance="{{instance}}"';

export const signals: SignalSpec[] = [
  {
    id: 'connections',
    name: 'Connected threads',
    faultClass: 'connection-exhaustion',
    query: `mysql_global_status_threads_connected{${at}}`,
    unit: 'count',
    badDirection: 'up',
    limit: { name: 'max_connections', query: `mysql_global_variables_max_connections{${at}}` },
    description: 'Open client connections, against max_connections.',
  },
  {
    id: 'threads-running',
    name: 'Running threads',
    faultClass: 'resource-saturation',
    query: `mysql_global_status_threads_running{${at}}`,
    unit: 'count',
    badDirection: 'up',
    description: 'Threads executing a statement right now: concurrency inside the server.',
  },
  {
    id: 'slow-queries',
    name: 'Slow queries',
    faultClass: 'slow-queries',
    query: `rate(mysql_global_status_slow_queries{${at}}[{{rate_interval}}])`,
    unit: 'per_second',
    badDirection: 'up',
    description: 'Statements that took longer than long_query_time, per second.',
  },
  {
    id: 'aborted-connects',
    name: 'Failed connection attempts',
    faultClass: 'configuration',
    query: `rate(mysql_global_status_aborted_connects{${at}}[{{rate_interval}}])`,
    unit: 'per_second',
    badDirection: 'up',
    description: 'Connection attempts that failed (bad credentials, handshake timeout, no slot), per second.',
  },
  {
    id: 'refused-connections',
    name: 'Connections refused at max_connections',
    faultClass: 'connection-exhaustion',
    query: `rate(mysql_global_status_connection_errors_total{${at},error="max_connections"}[{{rate_interval}}])`,
    unit: 'per_second',
    badDirection: 'up',
    description: 'Connections refused with "Too many connections", per second.',
  },
  {
    id: 'row-lock-waits',
    name: 'Row lock waits in progress',
    faultClass: 'lock-contention',
    query: `mysql_global_status_innodb_row_lock_current_waits{${at}}`,
    unit: 'count',
    badDirection: 'up',
    description: 'InnoDB row-lock waits happening now.',
  },
  {
    id: 'buffer-pool-hit-ratio',
    name: 'Buffer pool hit ratio',
    faultClass: 'memory-pressure',
    query:
      `1 - rate(mysql_global_status_innodb_buffer_pool_reads{${at}}[{{rate_interval}}])` +
      ` / clamp_min(rate(mysql_global_status_innodb_buffer_pool_read_requests{${at}}[{{rate_interval}}]), 1)`,
    unit: 'ratio',
    badDirection: 'down',
    description: 'Share of InnoDB page reads served from the buffer pool rather than disk.',
  },
  {
    id: 'buffer-pool-disk-reads',
    name: 'Buffer pool disk reads',
    faultClass: 'memory-pressure',
    query: `rate(mysql_global_status_innodb_buffer_pool_reads{${at}}[{{rate_interval}}])`,
    unit: 'per_second',
    badDirection: 'up',
    description: 'InnoDB pages read from disk because the buffer pool lacked them, per second.',
  },
  {
    id: 'tmp-disk-tables',
    name: 'On-disk temporary tables',
    faultClass: 'slow-queries',
    query: `rate(mysql_global_status_created_tmp_disk_tables{${at}}[{{rate_interval}}])`,
    unit: 'per_second',
    badDirection: 'up',
    description: 'Implicit temporary tables too big for memory (or with BLOB columns) written to disk, per second.',
  },
  {
    id: 'table-open-cache-misses',
    name: 'Table open cache misses',
    faultClass: 'resource-saturation',
    query: `rate(mysql_global_status_table_open_cache_misses{${at}}[{{rate_interval}}])`,
    unit: 'per_second',
    badDirection: 'up',
    description: 'Tables opened because the table open cache did not hold them, per second.',
  },
  {
    id: 'replication-lag',
    name: 'Replication lag',
    faultClass: 'replication',
    query: `max(mysql_slave_status_seconds_behind_master{${at}})`,
    unit: 'seconds',
    badDirection: 'up',
    description: 'On a replica: how far the applier is behind its source (exported only by replicas).',
  },
  {
    id: 'replication-running',
    name: 'Replication threads running',
    faultClass: 'replication',
    query: `min(mysql_slave_status_slave_io_running{${at}} * mysql_slave_status_slave_sql_running{${at}})`,
    unit: 'count',
    badDirection: 'down',
    description: 'On a replica: 1 while both the IO and SQL threads run, 0 when either stopped.',
  },
];
