/**
 * Key PostgreSQL signals, from postgres_exporter's default collectors.
 * Counters become rates over `{{rate_interval}}` (at least four scrapes and one query step, set by the
 * analyzer), so they neither vanish with slow scrapes nor skip data between steps; no rule here
 * depends on a particular range.
 */
import type { SignalSpec } from '@kubestack/plugin-sdk';

const at = 'instance="{{instance}}"';

export const signals: SignalSpec[] = [
  {
    id: 'connections',
    name: 'Client connections',
    faultClass: 'connection-exhaustion',
    query: `sum(pg_stat_activity_count{${at}})`,
    unit: 'count',
    badDirection: 'up',
    limit: {
      name: 'max_connections minus superuser_reserved_connections',
      query: `pg_settings_max_connections{${at}} - pg_settings_superuser_reserved_connections{${at}}`,
    },
    description: 'Sessions in pg_stat_activity, against the slots open to ordinary roles.',
  },
  {
    id: 'idle-in-transaction-age',
    name: 'Oldest idle-in-transaction transaction',
    faultClass: 'long-transaction',
    query: `max(pg_stat_activity_max_tx_duration{${at},state=~"idle in transaction.*"})`,
    unit: 'seconds',
    badDirection: 'up',
    description: 'Age of the oldest open transaction whose session sits idle; it holds locks and the xmin horizon.',
  },
  {
    id: 'active-transaction-age',
    name: 'Oldest active transaction',
    faultClass: 'slow-queries',
    query: `max(pg_stat_activity_max_tx_duration{${at},state="active"})`,
    unit: 'seconds',
    badDirection: 'up',
    description: 'Age of the oldest transaction of a session running a statement.',
  },
  {
    id: 'transactions',
    name: 'Transactions',
    faultClass: 'load-surge',
    query:
      `sum(rate(pg_stat_database_xact_commit{${at}}[{{rate_interval}}])` +
      ` + rate(pg_stat_database_xact_rollback{${at}}[{{rate_interval}}]))`,
    unit: 'per_second',
    badDirection: 'both',
    description: 'Committed plus rolled-back transactions per second: the workload.',
  },
  {
    id: 'cache-hit-ratio',
    name: 'Buffer cache hit ratio',
    faultClass: 'memory-pressure',
    query:
      `sum(rate(pg_stat_database_blks_hit{${at}}[{{rate_interval}}]))` +
      ` / clamp_min(sum(rate(pg_stat_database_blks_hit{${at}}[{{rate_interval}}]))` +
      ` + sum(rate(pg_stat_database_blks_read{${at}}[{{rate_interval}}])), 1)`,
    unit: 'ratio',
    badDirection: 'down',
    description: 'Share of block reads served from shared_buffers instead of the OS cache or disk.',
  },
  {
    id: 'block-reads',
    name: 'Blocks read outside shared_buffers',
    query: `sum(rate(pg_stat_database_blks_read{${at}}[{{rate_interval}}]))`,
    unit: 'per_second',
    badDirection: 'up',
    description: '8 KiB blocks read from the OS cache or disk per second: what cache misses cost.',
  },
  {
    id: 'deadlocks',
    name: 'Deadlocks',
    faultClass: 'lock-contention',
    query: `sum(rate(pg_stat_database_deadlocks{${at}}[{{rate_interval}}]))`,
    unit: 'per_second',
    badDirection: 'up',
    description: 'Deadlocks detected per second; each one aborts a transaction.',
  },
  {
    id: 'temp-bytes',
    name: 'Temporary file writes',
    faultClass: 'slow-queries',
    query: `sum(rate(pg_stat_database_temp_bytes{${at}}[{{rate_interval}}]))`,
    unit: 'bytes_per_second',
    badDirection: 'up',
    description: 'Bytes spilled to temporary files by sorts and hashes larger than work_mem.',
  },
  {
    id: 'database-size',
    name: 'Database size',
    faultClass: 'disk-pressure',
    query: `sum(pg_database_size_bytes{${at}})`,
    unit: 'bytes',
    badDirection: 'up',
    description: 'Total size of all databases on disk.',
  },
  {
    id: 'replication-lag-bytes',
    name: 'Replication lag (WAL bytes)',
    faultClass: 'replication',
    query: `max(pg_stat_replication_pg_wal_lsn_diff{${at}})`,
    unit: 'bytes',
    badDirection: 'up',
    description: 'On a primary: WAL written here but not yet replayed by its furthest-behind replica.',
  },
  {
    id: 'requested-checkpoints',
    name: 'Requested checkpoints',
    faultClass: 'persistence',
    query: `rate(pg_stat_bgwriter_checkpoints_req_total{${at}}[{{rate_interval}}])`,
    unit: 'per_second',
    badDirection: 'up',
    description: 'Checkpoints forced by WAL volume (max_wal_size) rather than by checkpoint_timeout.',
  },
];
