/**
 * Kafka diagnosis rules: pure functions of (signals, facts, logs). Facts from the admin protocol are
 * read first; JMX exporter signals are the fallback, and the only source for broker-internal state
 * (request handler load, ISR churn, log directories).
 */
import {
  type Evidence,
  factEvidence,
  formatDuration,
  formatPercent,
  notableLogRule,
  notableLogs,
  type Rule,
  signalEvidence,
  windowSeconds,
} from '@kubestack/plugin-sdk';
import type { ConsumerGroup, Facts, KafkaPartition, KafkaTopic } from './connector.ts';

/** Messages behind for a group with live members. */
export const GROUP_LAG_WARNING = 1_000;
export const GROUP_LAG_CRITICAL = 100_000;
/** Messages behind for a group without members: below this, leftovers of a finished job. */
export const INACTIVE_GROUP_LAG_MIN = 100;
/** Request handler / network thread idle ratios (Kafka's guidance: keep them above 30 %). */
export const IDLE_WARNING = 0.3;
export const IDLE_CRITICAL = 0.1;
/** Share of partitions led by a non-preferred replica (Kafka's leader.imbalance.per.broker.percentage). */
export const LEADER_IMBALANCE_WARNING = 0.1;

/** How many groups, partitions or topics an explanation names. */
const SHOWN = 3;

type KafkaRule = Rule<Facts>;

interface PartitionOf {
  topic: KafkaTopic;
  partition: KafkaPartition;
}

const consumerGroupLag: KafkaRule = {
  id: 'consumer-group-lag',
  title: 'Consumer groups fall behind their topics',
  faultClass: 'consumer-lag',
  severity: 'warning',
  signals: [],
  actions: ['add-partitions', 'increase-retention'],
  evaluate({ facts }) {
    if (facts === undefined) return null;
    const lagging = facts.groups
      .filter((group) => (group.members ?? 0) > 0 && group.lag >= GROUP_LAG_WARNING)
      .sort((a, b) => b.lag - a.lag);
    const [worst] = lagging;
    if (worst === undefined) return null;
    const partitionCount = partitionsConsumed(facts, worst);
    const members = worst.members ?? 0;
    const scaling =
      members >= partitionCount
        ? `it already has ${members} members for ${partitionCount} partitions, so more consumers would ` +
          'sit idle: add partitions or make each consumer faster'
        : `it has ${members} members for ${partitionCount} partitions: add consumers up to the partition ` +
          'count, or make each consumer faster';
    return {
      severity: worst.lag >= GROUP_LAG_CRITICAL ? 'critical' : 'warning',
      explanation:
        `${lagging.length} active consumer group(s) are at least ${GROUP_LAG_WARNING} messages behind. ` +
        `"${worst.groupId}" (${worst.state}) is ${worst.lag} messages behind; worst partitions: ` +
        `${worstPartitions(worst)}. Its consumers do not keep up with producers: check their processing ` +
        `time and errors; ${scaling}.`,
      evidence: lagging
        .slice(0, SHOWN)
        .flatMap((group) => [
          factEvidence(`group ${group.groupId} lag`, group.lag),
          factEvidence(`group ${group.groupId} members`, group.members),
          ...topLag(group).map((entry) =>
            factEvidence(`group ${group.groupId} lag on ${entry.topic}[${entry.partition}]`, entry.lag),
          ),
        ]),
    };
  },
};

const inactiveGroupWithLag: KafkaRule = {
  id: 'inactive-group-with-lag',
  title: 'Consumer groups without members have unread messages',
  faultClass: 'consumer-lag',
  severity: 'warning',
  signals: [],
  actions: ['reset-group-offsets', 'delete-consumer-group', 'increase-retention'],
  evaluate({ facts }) {
    if (facts === undefined) return null;
    const abandoned = facts.groups
      .filter((group) => group.members === 0 && group.state !== 'Dead' && group.lag >= INACTIVE_GROUP_LAG_MIN)
      .sort((a, b) => b.lag - a.lag);
    const [worst] = abandoned;
    if (worst === undefined) return null;
    const retention = shortestRetention(facts, worst);
    return {
      explanation:
        `${abandoned.length} consumer group(s) have no member but unread messages. "${worst.groupId}" ` +
        `(${worst.state}) is ${worst.lag} messages behind on ${topicsOf(worst).join(', ')}; worst partitions: ` +
        `${worstPartitions(worst)}. Nothing consumes them` +
        (retention === null
          ? ''
          : `, and retention deletes unread messages after ${formatDuration(retention / 1000)}`) +
        '. Restart the consuming application; if it is gone for good, delete the group, or reset its offsets ' +
        'if the backlog no longer matters.',
      evidence: abandoned
        .slice(0, SHOWN)
        .flatMap((group) => [
          factEvidence(`group ${group.groupId} lag`, group.lag),
          factEvidence(`group ${group.groupId} members`, group.members),
          factEvidence(`group ${group.groupId} state`, group.state),
        ]),
    };
  },
};

const underReplicatedPartitions: KafkaRule = {
  id: 'under-replicated-partitions',
  title: 'Partitions are under-replicated',
  faultClass: 'replication',
  severity: 'warning',
  signals: ['under_replicated_partitions'],
  actions: [],
  evaluate({ facts, signals }) {
    if (facts !== undefined) {
      const under = allPartitions(facts).filter(
        ({ partition }) => partition.leader >= 0 && partition.isr.length < partition.replicas.length,
      );
      if (under.length === 0) return null;
      const lastCopy = under.filter(({ partition }) => partition.isr.length <= 1);
      const missing = missingReplicaCounts(under);
      return {
        severity: lastCopy.length > 0 ? 'critical' : 'warning',
        explanation:
          `${under.length} partition(s) have fewer in-sync replicas than replicas (${names(under)}). ` +
          `Brokers missing from ISRs: ${missing.map(([broker, count]) => `${broker} (${count})`).join(', ')}. ` +
          (lastCopy.length > 0
            ? `${lastCopy.length} of them are down to a single in-sync copy: one more failure loses data. `
            : '') +
          'Check those brokers (down, disk or network saturated, replica fetcher errors).',
        evidence: [
          factEvidence('under-replicated partitions', under.length),
          factEvidence('partitions with a single in-sync replica', lastCopy.length),
          ...missing
            .slice(0, SHOWN)
            .map(([broker, count]) => factEvidence(`partitions missing broker ${broker} in ISR`, count)),
        ],
      };
    }
    const under = signals.under_replicated_partitions;
    if (under === undefined || under.last <= 0) return null;
    return {
      explanation:
        `The broker leads ${under.last} under-replicated partition(s) (up to ${under.max} in the window): some ` +
        'followers are down or cannot keep up. Check the other brokers and replica fetcher errors.',
      evidence: [signalEvidence(under)],
    };
  },
};

const partitionsUnderMinIsr: KafkaRule = {
  id: 'partitions-under-min-isr',
  title: 'Partitions under min.insync.replicas reject acks=all writes',
  faultClass: 'replication',
  severity: 'critical',
  signals: ['under_min_isr_partitions'],
  actions: [],
  evaluate({ facts, signals }) {
    const consequence =
      'producers using acks=all get NotEnoughReplicas errors and cannot write. Bring the missing brokers back; ' +
      'lowering min.insync.replicas trades durability for availability.';
    if (facts !== undefined) {
      const under = allPartitions(facts).filter(
        ({ topic, partition }) =>
          partition.leader >= 0 && topic.minInSyncReplicas !== null && partition.isr.length < topic.minInSyncReplicas,
      );
      if (under.length === 0) return null;
      return {
        explanation: `${under.length} partition(s) have fewer in-sync replicas than min.insync.replicas (${names(under)}): ${consequence}`,
        evidence: under
          .slice(0, SHOWN)
          .flatMap(({ topic, partition }) => [
            factEvidence(`${topic.name}[${partition.partition}] in-sync replicas`, partition.isr.length),
            factEvidence(`${topic.name} min.insync.replicas`, topic.minInSyncReplicas),
          ]),
      };
    }
    const under = signals.under_min_isr_partitions;
    if (under === undefined || under.last <= 0) return null;
    return {
      explanation: `${under.last} partition(s) led by this broker are under min.insync.replicas: ${consequence}`,
      evidence: [signalEvidence(under)],
    };
  },
};

const offlinePartitions: KafkaRule = {
  id: 'offline-partitions',
  title: 'Partitions have no leader',
  faultClass: 'data-unavailable',
  severity: 'critical',
  signals: ['offline_partitions'],
  actions: [],
  evaluate({ facts, signals }) {
    const consequence =
      'nobody can produce to or consume from them. Bring back the brokers holding their replicas; an unclean ' +
      'leader election restores service only by accepting data loss.';
    if (facts !== undefined) {
      const offline = allPartitions(facts).filter(({ partition }) => partition.leader < 0);
      if (offline.length === 0) return null;
      return {
        explanation: `${offline.length} partition(s) have no leader (${names(offline)}): ${consequence}`,
        evidence: [
          factEvidence('offline partitions', offline.length),
          ...offline
            .slice(0, SHOWN)
            .map(({ topic, partition }) =>
              factEvidence(`${topic.name}[${partition.partition}] replicas`, partition.replicas.join(',')),
            ),
        ],
      };
    }
    const offline = signals.offline_partitions;
    if (offline === undefined || offline.last <= 0) return null;
    return {
      explanation: `The controller reports ${offline.last} offline partition(s): ${consequence}`,
      evidence: [signalEvidence(offline)],
    };
  },
};

const controllerState: KafkaRule = {
  id: 'controller-not-unique',
  title: 'The cluster has no active controller, or more than one',
  faultClass: 'availability',
  severity: 'critical',
  signals: ['active_controllers'],
  actions: [],
  evaluate({ facts, signals }) {
    if (facts !== undefined && facts.controllerId === null) {
      return {
        explanation:
          'The cluster reports no active controller: leader elections, topic changes and broker joins are ' +
          'stuck. Check the controller quorum (KRaft voters) and their logs.',
        evidence: [factEvidence('active controller id', null), factEvidence('brokers', facts.brokers.length)],
      };
    }
    // Only the metrics can see several nodes claiming the role at once.
    const controllers = signals.active_controllers;
    if (controllers === undefined || controllers.last === 1) return null;
    if (controllers.last === 0 && facts !== undefined) return null;
    return {
      explanation:
        controllers.last === 0
          ? 'No node reports being the active controller: leader elections and metadata changes are stuck. ' +
            'Check the controller quorum and its logs.'
          : `${controllers.last} nodes report being the active controller at once (split brain): metadata ` +
            'changes conflict. Check the network between controllers and restart the stale one.',
      evidence: [signalEvidence(controllers)],
    };
  },
};

const isrShrinking: KafkaRule = {
  id: 'isr-shrinking',
  title: 'Replicas keep dropping out of ISRs',
  faultClass: 'replication',
  severity: 'warning',
  signals: ['isr_shrinks_rate'],
  actions: [],
  evaluate({ signals, logs, window }) {
    const shrinks = signals.isr_shrinks_rate;
    const logged = notableLogs(logs, 'isr-shrink');
    const counted = shrinks === undefined ? 0 : Math.round(shrinks.mean * windowSeconds(window));
    const fromLogs = logged?.count ?? 0;
    if (counted < 1 && fromLogs < 1) return null;
    const evidence: Evidence[] = [];
    if (shrinks !== undefined) evidence.push(signalEvidence(shrinks));
    if (logged !== null) evidence.push(logged.evidence);
    return {
      explanation:
        `In-sync replica sets shrank about ${Math.max(counted, fromLogs)} time(s) in the window: followers fall ` +
        'behind (replica.lag.time.max.ms) or brokers restart. Each shrink brings partitions closer to ' +
        'min.insync.replicas; check follower brokers for GC pauses, disk or network saturation.',
      evidence,
    };
  },
};

const requestHandlerSaturation: KafkaRule = {
  id: 'request-handler-saturation',
  title: 'Broker request or network threads are saturated',
  faultClass: 'resource-saturation',
  severity: 'warning',
  signals: ['request_handler_idle', 'network_processor_idle'],
  actions: [],
  evaluate({ signals }) {
    const pools = [
      { signal: signals.request_handler_idle, threads: 'request handler threads (num.io.threads)' },
      { signal: signals.network_processor_idle, threads: 'network threads (num.network.threads)' },
    ].flatMap(({ signal, threads }) =>
      signal !== undefined && signal.mean < IDLE_WARNING ? [{ signal, threads }] : [],
    );
    if (pools.length === 0) return null;
    const busiest = Math.min(...pools.map(({ signal }) => signal.mean));
    return {
      severity: busiest < IDLE_CRITICAL ? 'critical' : 'warning',
      explanation:
        `${pools.map(({ signal, threads }) => `The ${threads} were idle only ${formatPercent(signal.mean)} of the time on average`).join('; ')}. ` +
        'Requests queue up and produce/fetch latency grows. Look for a traffic surge or many small requests ' +
        '(batching, linger.ms, fetch.min.bytes), slow disks, then add threads or brokers.',
      evidence: pools.map(({ signal }) => signalEvidence(signal)),
    };
  },
};

const offlineLogDirectory: KafkaRule = {
  id: 'offline-log-directory',
  title: 'A log directory went offline after disk errors',
  faultClass: 'persistence',
  severity: 'critical',
  signals: ['offline_log_directories'],
  actions: [],
  evaluate({ signals, logs }) {
    const offline = signals.offline_log_directories;
    const logged = notableLogs(logs, 'log-dir-failure');
    const advice =
      'the partitions stored there are gone from this broker and re-replicate elsewhere or go offline. ' +
      'Check the disk (dmesg, SMART, free space), then replace it and restart the broker.';
    if (offline !== undefined && offline.last > 0) {
      const evidence = [signalEvidence(offline)];
      if (logged !== null) evidence.push(logged.evidence);
      return { explanation: `${offline.last} log directory(ies) are offline: ${advice}`, evidence };
    }
    // Without the metric, disk errors in the log are a warning: the directory may have survived.
    if (offline !== undefined || logged === null) return null;
    return {
      severity: 'warning',
      explanation: `The broker logged ${logged.count} disk/storage error(s); if a log directory failed, ${advice}`,
      evidence: [logged.evidence],
    };
  },
};

const leaderImbalance: KafkaRule = {
  id: 'leader-imbalance',
  title: 'Partition leadership is unbalanced across brokers',
  faultClass: 'resource-saturation',
  severity: 'warning',
  signals: ['preferred_replica_imbalance'],
  actions: ['trigger-preferred-leader-election'],
  evaluate({ facts, signals }) {
    const advice =
      'the brokers leading the extra partitions carry more produce and fetch traffic. Run a preferred ' +
      'leader election (and check auto.leader.rebalance.enable).';
    if (facts !== undefined) {
      const replicated = allPartitions(facts).filter(
        ({ partition }) => partition.leader >= 0 && partition.replicas.length > 1,
      );
      const misplaced = replicated.filter(({ partition }) => partition.leader !== partition.replicas[0]);
      const ratio = replicated.length === 0 ? 0 : misplaced.length / replicated.length;
      if (ratio < LEADER_IMBALANCE_WARNING) return null;
      return {
        explanation:
          `${misplaced.length} of ${replicated.length} replicated partitions (${formatPercent(ratio)}) are not led ` +
          `by their preferred replica (${names(misplaced)}): ${advice}`,
        evidence: [
          factEvidence('partitions not led by their preferred replica', misplaced.length),
          factEvidence('replicated partitions', replicated.length),
        ],
      };
    }
    // The controller rebalances leaders every few minutes; an imbalance lasting the whole window is real.
    const imbalance = signals.preferred_replica_imbalance;
    if (imbalance === undefined || imbalance.min <= 0) return null;
    return {
      explanation: `${imbalance.min} or more partitions stayed led by a non-preferred replica all window: ${advice}`,
      evidence: [signalEvidence(imbalance)],
    };
  },
};

const brokerOutOfMemory: KafkaRule = notableLogRule({
  id: 'broker-out-of-memory',
  title: 'The broker ran out of memory',
  faultClass: 'memory-pressure',
  severity: 'critical',
  pattern: 'out-of-memory',
  actions: [],
  explain: (count) =>
    `The broker logged ${count} OutOfMemoryError(s): it is failing requests or about to crash. ` +
    'Check whether heap or direct memory ran out (the message says which), look for oversized ' +
    'messages or fetches, then raise -Xmx / MaxDirectMemorySize or reduce partitions per broker.',
});

export const rules: KafkaRule[] = [
  consumerGroupLag,
  inactiveGroupWithLag,
  underReplicatedPartitions,
  partitionsUnderMinIsr,
  offlinePartitions,
  controllerState,
  isrShrinking,
  requestHandlerSaturation,
  offlineLogDirectory,
  leaderImbalance,
  brokerOutOfMemory,
];

function allPartitions(facts: Facts): PartitionOf[] {
  return facts.topics.flatMap((topic) => topic.partitions.map((partition) => ({ topic, partition })));
}

function names(partitions: PartitionOf[]): string {
  const shown = partitions.slice(0, SHOWN).map(({ topic, partition }) => `${topic.name}[${partition.partition}]`);
  return partitions.length > SHOWN ? `${shown.join(', ')} and ${partitions.length - SHOWN} more` : shown.join(', ');
}

/** Brokers absent from ISRs they should be in, with how many partitions miss each, most first. */
function missingReplicaCounts(partitions: PartitionOf[]): Array<[number, number]> {
  const counts = new Map<number, number>();
  for (const { partition } of partitions) {
    for (const broker of partition.replicas) {
      if (!partition.isr.includes(broker)) counts.set(broker, (counts.get(broker) ?? 0) + 1);
    }
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
}

function topLag(group: ConsumerGroup) {
  return [...group.partitions].sort((a, b) => b.lag - a.lag).slice(0, SHOWN);
}

function worstPartitions(group: ConsumerGroup): string {
  return topLag(group)
    .map((entry) => `${entry.topic}[${entry.partition}] ${entry.lag}`)
    .join(', ');
}

function topicsOf(group: ConsumerGroup): string[] {
  return [...new Set(group.partitions.map((entry) => entry.topic))];
}

function partitionsConsumed(facts: Facts, group: ConsumerGroup): number {
  const topics = new Set(topicsOf(group));
  return facts.topics
    .filter((topic) => topics.has(topic.name))
    .reduce((sum, topic) => sum + topic.partitions.length, 0);
}

/** The shortest finite retention among the topics a group reads, in ms; null when unknown or unlimited. */
function shortestRetention(facts: Facts, group: ConsumerGroup): number | null {
  const topics = new Set(topicsOf(group));
  const retentions = facts.topics.flatMap((topic) =>
    topics.has(topic.name) && topic.retentionMs !== null && topic.retentionMs > 0 ? [topic.retentionMs] : [],
  );
  return retentions.length === 0 ? null : Math.min(...retentions);
}
