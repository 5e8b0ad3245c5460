/** Kafka broker log lines (as shipped to Elasticsearch with `service.type: kafka`) that mean something. */
import type { LogSpec } from '@kubestack/plugin-sdk';

export const logs: LogSpec = {
  serviceType: 'kafka',
  notable: [
    {
      id: 'isr-shrink',
      pattern: 'Shrinking ISR from',
      meaning: 'A follower fell out of the in-sync replica set of a partition (slow, overloaded or gone).',
    },
    {
      id: 'out-of-memory',
      pattern: 'java\\.lang\\.OutOfMemoryError',
      meaning: 'The broker JVM ran out of heap or direct memory; it is about to die or already misbehaves.',
    },
    {
      id: 'not-leader',
      pattern: 'NotLeaderOrFollowerException|NOT_LEADER_OR_FOLLOWER',
      meaning: 'Requests reached a broker that no longer leads the partition: leadership is moving.',
    },
    {
      id: 'log-dir-failure',
      pattern: 'Disk error|KafkaStorageException|Stopping serving logs in dir',
      meaning: 'An I/O error took a log directory offline; its partitions are lost on this broker.',
    },
    {
      id: 'failed-operation',
      pattern: '\\bFailed to\\b',
      meaning: 'A broker operation failed (replica fetch, log cleaning, offset commit, controller request…).',
    },
    {
      id: 'member-session-timeout',
      pattern: 'has failed, removing it from the group',
      meaning: 'A consumer stopped heartbeating and was evicted from its group, triggering a rebalance.',
    },
    {
      id: 'group-rebalance',
      pattern: 'Preparing to rebalance group',
      meaning: 'A consumer group is rebalancing; frequent rebalances stall consumption.',
    },
    {
      id: 'unclean-leader-election',
      pattern: 'unclean leader election',
      meaning: 'A replica outside the ISR became leader: committed messages may have been lost.',
    },
  ],
};
