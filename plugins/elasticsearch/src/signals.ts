/**
 * Key Elasticsearch signals from prometheus-community/elasticsearch_exporter. Node-level series carry
 * a `name` label per node; sums keep the queries valid whether the exporter reports one node or all.
 * Counters become rates over `{{rate_interval}}` (at least four scrapes and one query step, set by the
 * analyzer), so they neither vanish with slow scrapes nor skip data between steps; no rule here
 * depends on a particular range.
 */
import type { SignalSpec } from '@kubestack/plugin-sdk';

export const signals: SignalSpec[] = [
  {
    id: 'cluster_status',
    name: 'Cluster health status',
    query:
      'max(elasticsearch_cluster_health_status{instance="{{instance}}",color="yellow"})' +
      ' + 2 * max(elasticsearch_cluster_health_status{instance="{{instance}}",color="red"})',
    unit: 'count',
    badDirection: 'up',
    description: '0 green, 1 yellow (replicas unassigned), 2 red (primaries unassigned: data unavailable).',
  },
  {
    id: 'unassigned_shards',
    name: 'Unassigned shards',
    faultClass: 'data-unavailable',
    query: 'sum(elasticsearch_cluster_health_unassigned_shards{instance="{{instance}}"})',
    unit: 'count',
    badDirection: 'up',
    description: 'Shards the cluster cannot place on any node.',
  },
  {
    id: 'heap_used',
    name: 'JVM heap used',
    faultClass: 'memory-pressure',
    query: 'sum(elasticsearch_jvm_memory_used_bytes{instance="{{instance}}",area="heap"})',
    unit: 'bytes',
    badDirection: 'up',
    limit: { query: 'sum(elasticsearch_jvm_memory_max_bytes{instance="{{instance}}",area="heap"})', name: 'max heap' },
    description: 'Heap in use; when even its low points stay high, GC cannot keep up and circuit breakers trip.',
  },
  {
    id: 'gc_time_ratio',
    name: 'Time spent in GC',
    faultClass: 'memory-pressure',
    query: 'sum(rate(elasticsearch_jvm_gc_collection_seconds_sum{instance="{{instance}}"}[{{rate_interval}}]))',
    unit: 'ratio',
    badDirection: 'up',
    description: 'Fraction of wall time spent collecting garbage; above a few percent requests stall.',
  },
  {
    id: 'disk_used_ratio',
    name: 'Data disk used',
    faultClass: 'disk-pressure',
    query:
      '1 - sum(elasticsearch_filesystem_data_available_bytes{instance="{{instance}}"})' +
      ' / sum(elasticsearch_filesystem_data_size_bytes{instance="{{instance}}"})',
    unit: 'ratio',
    badDirection: 'up',
    description: 'Share of the data paths used (available space, as the disk watermarks count it).',
  },
  {
    id: 'write_rejections_rate',
    name: 'Write thread pool rejections',
    faultClass: 'resource-saturation',
    query:
      'sum(rate(elasticsearch_thread_pool_rejected_count{instance="{{instance}}",type="write"}[{{rate_interval}}]))',
    unit: 'per_second',
    badDirection: 'up',
    description: 'Bulk/index requests refused because the write queue is full (HTTP 429).',
  },
  {
    id: 'search_rejections_rate',
    name: 'Search thread pool rejections',
    faultClass: 'resource-saturation',
    query:
      'sum(rate(elasticsearch_thread_pool_rejected_count{instance="{{instance}}",type="search"}[{{rate_interval}}]))',
    unit: 'per_second',
    badDirection: 'up',
    description: 'Search requests refused because the search queue is full (HTTP 429).',
  },
  {
    id: 'breaker_trips_rate',
    name: 'Circuit breaker trips',
    faultClass: 'memory-pressure',
    query: 'sum(rate(elasticsearch_breakers_tripped{instance="{{instance}}"}[{{rate_interval}}]))',
    unit: 'per_second',
    badDirection: 'up',
    description: 'Requests refused by a memory circuit breaker (CircuitBreakingException, HTTP 429).',
  },
  {
    id: 'shards_per_data_node',
    name: 'Shards per data node',
    faultClass: 'resource-saturation',
    query:
      'sum(elasticsearch_cluster_health_active_shards{instance="{{instance}}"})' +
      ' / sum(elasticsearch_cluster_health_number_of_data_nodes{instance="{{instance}}"})',
    unit: 'count',
    badDirection: 'up',
    description: 'Active shards per data node; every shard costs heap and cluster-state work.',
  },
  {
    id: 'pending_tasks',
    name: 'Pending cluster tasks',
    faultClass: 'resource-saturation',
    query: 'sum(elasticsearch_cluster_health_number_of_pending_tasks{instance="{{instance}}"})',
    unit: 'count',
    badDirection: 'up',
    description: 'Cluster-state updates waiting on the master; a backlog delays mappings, allocation, index creation.',
  },
  {
    id: 'indexing_rate',
    name: 'Documents indexed',
    faultClass: 'load-surge',
    query: 'sum(rate(elasticsearch_indices_indexing_index_total{instance="{{instance}}"}[{{rate_interval}}]))',
    unit: 'per_second',
    badDirection: 'both',
    description: 'Documents indexed per second on primaries and replicas.',
  },
  {
    id: 'search_rate',
    name: 'Search queries',
    faultClass: 'load-surge',
    query: 'sum(rate(elasticsearch_indices_search_query_total{instance="{{instance}}"}[{{rate_interval}}]))',
    unit: 'per_second',
    badDirection: 'both',
    description: 'Shard-level search queries per second.',
  },
];
