/** Elasticsearch log lines (as shipped with `service.type: elasticsearch`) that mean something. */
import type { LogSpec } from '@kubestack/plugin-sdk';

export const logs: LogSpec = {
  serviceType: 'elasticsearch',
  notable: [
    {
      id: 'flood-stage-watermark',
      pattern: 'flood stage disk watermark \\[[^\\]]+\\] exceeded',
      meaning: 'A node passed the flood stage: its indices were made read-only (read_only_allow_delete).',
    },
    {
      id: 'high-disk-watermark',
      pattern: 'high disk watermark \\[[^\\]]+\\] exceeded',
      meaning: 'A node passed the high watermark: shards are being moved away from it.',
    },
    {
      id: 'low-disk-watermark',
      pattern: 'low disk watermark \\[[^\\]]+\\] exceeded',
      meaning: 'A node passed the low watermark: no new replica shards are allocated to it.',
    },
    {
      id: 'circuit-breaking',
      pattern: 'CircuitBreakingException',
      meaning: 'A request was refused to protect the heap (data too large for a memory breaker).',
    },
    {
      id: 'rejected-execution',
      pattern: 'EsRejectedExecutionException|rejected execution',
      meaning: 'A thread pool queue was full and the request was refused (HTTP 429).',
    },
    {
      id: 'out-of-memory',
      // Qualified: the JVM flags logged at startup (-XX:+HeapDumpOnOutOfMemoryError) must not match.
      pattern: 'java\\.lang\\.OutOfMemoryError',
      meaning: 'The JVM ran out of heap; the node dies or behaves erratically.',
    },
    {
      id: 'master-not-discovered',
      pattern: 'master not discovered',
      meaning: 'The node cannot find or elect a master: the cluster cannot change state or serve writes.',
    },
    {
      id: 'long-gc',
      pattern: '\\[gc\\]\\[\\d+\\] overhead, spent',
      meaning: 'The JVM spent most of a period in garbage collection: heap pressure.',
    },
    {
      id: 'health-degraded',
      pattern: 'health status changed from \\[\\w+\\] to \\[(YELLOW|RED)\\]',
      meaning: 'Cluster health degraded.',
    },
    {
      id: 'shard-failed',
      pattern: 'marking and sending shard failed|shard-failed',
      meaning: 'A shard copy failed (corruption, disk or recovery error) and was removed.',
    },
  ],
};
