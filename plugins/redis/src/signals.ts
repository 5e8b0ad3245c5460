/**
 * Key signals of a Redis instance, as exported by redis_exporter (oliver006/redis_exporter).
 * Counters become rates over `{{rate_interval}}` (at least four scrapes and one query step, set by the
 * analyzer), so they neither vanish with slow scrapes nor skip data between steps; no rule here
 * depends on a particular range.
 */
import type { SignalSpec } from '@kubestack/plugin-sdk';

const at = '{instance="{{instance}}"}';

export const signals: SignalSpec[] = [
  {
    id: 'used_memory',
    name: 'Used memory',
    faultClass: 'memory-pressure',
    query: `redis_memory_used_bytes${at}`,
    unit: 'bytes',
    badDirection: 'up',
    // 0 when maxmemory is unset; the SDK then leaves the limit out rather than report a 0-byte limit.
    limit: { query: `redis_memory_max_bytes${at}`, name: 'maxmemory' },
    description: 'Memory allocated by Redis for data and buffers; at maxmemory it evicts or refuses writes.',
  },
  {
    id: 'memory_fragmentation_ratio',
    name: 'Memory fragmentation ratio',
    faultClass: 'memory-pressure',
    query: `redis_mem_fragmentation_ratio${at}`,
    unit: 'ratio',
    badDirection: 'both',
    description: 'RSS / used memory: well above 1 wastes RAM to fragmentation, below 1 means pages are swapped out.',
  },
  {
    id: 'connected_clients',
    name: 'Connected clients',
    faultClass: 'connection-exhaustion',
    query: `redis_connected_clients${at}`,
    unit: 'count',
    badDirection: 'up',
    limit: { query: `redis_config_maxclients${at}`, name: 'maxclients' },
    description: 'Client connections, excluding replicas; new connections are refused at maxclients.',
  },
  {
    id: 'blocked_clients',
    name: 'Blocked clients',
    faultClass: 'lock-contention',
    query: `redis_blocked_clients${at}`,
    unit: 'count',
    badDirection: 'up',
    description: 'Clients waiting in a blocking call (BLPOP, BRPOP, BLMOVE, BZPOPMIN, XREAD BLOCK, WAIT…).',
  },
  {
    id: 'rejected_connections_rate',
    name: 'Rejected connections',
    faultClass: 'connection-exhaustion',
    query: `rate(redis_rejected_connections_total${at}[{{rate_interval}}])`,
    unit: 'per_second',
    badDirection: 'up',
    description: 'Connections refused because maxclients was reached.',
  },
  {
    id: 'evicted_keys_rate',
    name: 'Evicted keys',
    faultClass: 'memory-pressure',
    query: `rate(redis_evicted_keys_total${at}[{{rate_interval}}])`,
    unit: 'per_second',
    badDirection: 'up',
    description: 'Keys removed by the maxmemory policy to make room for writes.',
  },
  {
    id: 'keyspace_hit_ratio',
    name: 'Keyspace hit ratio',
    // `> 0` drops points without lookups instead of producing 0/0 = NaN.
    query:
      `rate(redis_keyspace_hits_total${at}[{{rate_interval}}]) / ` +
      `(rate(redis_keyspace_hits_total${at}[{{rate_interval}}])` +
      ` + rate(redis_keyspace_misses_total${at}[{{rate_interval}}]) > 0)`,
    unit: 'ratio',
    badDirection: 'down',
    description: 'Share of key lookups that found the key.',
  },
  {
    id: 'keyspace_misses_rate',
    name: 'Keyspace misses',
    query: `rate(redis_keyspace_misses_total${at}[{{rate_interval}}])`,
    unit: 'per_second',
    badDirection: 'up',
    description: 'Lookups of absent keys; for a cache, reads that fall through to the backing store.',
  },
  {
    id: 'commands_rate',
    name: 'Commands processed',
    faultClass: 'load-surge',
    query: `rate(redis_commands_processed_total${at}[{{rate_interval}}])`,
    unit: 'per_second',
    badDirection: 'both',
    description: 'Commands executed per second (throughput).',
  },
  {
    id: 'slowlog_length',
    name: 'Slow log length',
    faultClass: 'slow-queries',
    query: `redis_slowlog_length${at}`,
    unit: 'count',
    badDirection: 'up',
    description: 'Entries in the slow log (commands slower than slowlog-log-slower-than, capped at slowlog-max-len).',
  },
  {
    id: 'master_link_up',
    name: 'Replica link to master up',
    faultClass: 'replication',
    query: `redis_master_link_up${at}`,
    unit: 'count',
    badDirection: 'down',
    description: 'On a replica: 1 while the link to its master is up, 0 when it is down. Absent on a master.',
  },
  {
    id: 'persistence_ok',
    name: 'Persistence healthy',
    faultClass: 'persistence',
    // One series: 0 as soon as either the last RDB snapshot or the last AOF write failed.
    query: `min({__name__=~"redis_rdb_last_bgsave_status|redis_aof_last_write_status", instance="{{instance}}"})`,
    unit: 'count',
    badDirection: 'down',
    description: '1 when the last RDB background save and the last AOF write succeeded, 0 when one failed.',
  },
];
