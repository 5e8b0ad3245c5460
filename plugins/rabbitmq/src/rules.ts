/**
 * RabbitMQ diagnosis rules: pure functions of (signals, facts, logs). Facts from the management API
 * are read first; the aggregated Prometheus signals are the fallback when the connector is refused.
 */
import {
  type Evidence,
  factEvidence,
  formatBytes,
  formatPercent,
  levelAbove,
  notableLogRule,
  type Rule,
  type RuleOutcome,
  round,
  signalEvidence,
  type Thresholds,
} from '@kubestack/plugin-sdk';
import type { Facts, RabbitNode, RabbitQueue } from './connector.ts';

/** Ready messages in a queue nobody consumes: worth a look, then an emergency. */
export const BACKLOG_WARNING = 1_000;
export const BACKLOG_CRITICAL = 100_000;
/** Unacknowledged messages held by consumers that acknowledge nothing. */
export const UNACKED_WARNING = 100;
export const UNACKED_CRITICAL = 10_000;
/** Fraction of the memory high watermark at which publishers are about to be blocked. */
export const MEMORY_NEAR_WATERMARK = 0.9;
/** Free disk under this multiple of the disk free limit leaves little room before the alarm. */
export const DISK_NEAR_LIMIT_FACTOR = 2;
/** New connections per second, sustained. */
export const CHURN_PER_SECOND: Thresholds = { warning: 10, critical: 100 };
/** Share of a node's file descriptor or socket limit in use. */
export const DESCRIPTORS_USED: Thresholds = { warning: 0.8, critical: 0.95 };
/** Fraction of a queue's max-length at which it is about to overflow. */
export const MAX_LENGTH_NEAR = 0.9;

/** How many offending queues or nodes an explanation names. */
const SHOWN = 3;

type RabbitRule = Rule<Facts>;

const queueBacklogWithoutConsumers: RabbitRule = {
  id: 'queue-backlog-without-consumers',
  title: 'Messages pile up in queues that have no consumer',
  faultClass: 'backlog',
  severity: 'warning',
  signals: ['messages_ready', 'consumers'],
  actions: ['move-backlog-to-dead-letter', 'apply-max-length-policy', 'purge-queue'],
  evaluate({ facts, signals }) {
    if (facts !== undefined) {
      const orphaned = facts.queues
        .filter((queue) => queue.consumers === 0 && queue.messagesReady >= BACKLOG_WARNING)
        .sort((a, b) => b.messagesReady - a.messagesReady);
      const [worst] = orphaned;
      if (worst === undefined) return null;
      return {
        severity: worst.messagesReady >= BACKLOG_CRITICAL ? 'critical' : 'warning',
        explanation:
          `${orphaned.length} queue(s) hold at least ${BACKLOG_WARNING} ready messages with no consumer attached; ` +
          `the largest is ${queueName(worst)} with ${worst.messagesReady} messages (${formatBytes(worst.bytesReady)})` +
          `${worst.publishRate ? `, still receiving ${round(worst.publishRate, 1)} messages/s` : ''}. ` +
          'Nothing will drain them: restart or fix the consuming service, or park the backlog in another queue ' +
          'and bound the queue with a max-length policy so it cannot take the node into a memory or disk alarm.',
        evidence: orphaned
          .slice(0, SHOWN)
          .flatMap((queue) => [
            factEvidence(`${queueName(queue)} messages ready`, queue.messagesReady),
            factEvidence(`${queueName(queue)} consumers`, queue.consumers),
          ]),
      };
    }
    const { messages_ready: ready, consumers } = signals;
    if (ready === undefined || consumers === undefined) return null;
    if (consumers.last > 0 || ready.last < BACKLOG_WARNING) return null;
    return {
      severity: ready.last >= BACKLOG_CRITICAL ? 'critical' : 'warning',
      explanation:
        `${ready.last} messages are ready on the node and not a single consumer is attached. Nothing drains ` +
        'them: check why the consuming services disconnected, then park or bound the backlog.',
      evidence: [signalEvidence(ready), signalEvidence(consumers)],
    };
  },
};

const unackedMessagesPilingUp: RabbitRule = {
  id: 'unacked-messages-piling-up',
  title: 'Consumers hold messages without acknowledging them',
  faultClass: 'backlog',
  severity: 'warning',
  signals: ['messages_unacked', 'delivered_rate'],
  actions: ['close-idle-connections'],
  evaluate({ facts, signals }) {
    if (facts !== undefined) {
      // A null ack rate means statistics are off for the queue: no data, no finding.
      const stuck = facts.queues
        .filter((queue) => queue.messagesUnacked >= UNACKED_WARNING && queue.ackRate === 0 && queue.consumers > 0)
        .sort((a, b) => b.messagesUnacked - a.messagesUnacked);
      const [worst] = stuck;
      if (worst === undefined) return null;
      return {
        severity: worst.messagesUnacked >= UNACKED_CRITICAL ? 'critical' : 'warning',
        explanation:
          `${stuck.length} queue(s) have delivered messages that nobody acknowledges: ${queueName(worst)} has ` +
          `${worst.messagesUnacked} unacknowledged messages held by ${worst.consumers} consumer(s) and 0 acks/s. ` +
          'The consumers are hung or never ack (missing ack call, or an exception path skipping it); those ' +
          'messages are neither processed nor redelivered until their channel closes. Check the consumer ' +
          "service's threads and error handling; closing its connection returns the messages to the queue.",
        evidence: stuck
          .slice(0, SHOWN)
          .flatMap((queue) => [
            factEvidence(`${queueName(queue)} messages unacknowledged`, queue.messagesUnacked),
            factEvidence(`${queueName(queue)} acknowledgements per second`, queue.ackRate),
            factEvidence(`${queueName(queue)} consumers`, queue.consumers),
          ]),
      };
    }
    const unacked = signals.messages_unacked;
    if (unacked === undefined || unacked.last < UNACKED_WARNING || unacked.last <= unacked.first * 1.5) return null;
    const evidence = [signalEvidence(unacked)];
    if (signals.delivered_rate !== undefined) evidence.push(signalEvidence(signals.delivered_rate));
    return {
      severity: unacked.last >= UNACKED_CRITICAL ? 'critical' : 'warning',
      explanation:
        `Unacknowledged messages grew from ${unacked.first} to ${unacked.last} over the window: consumers take ` +
        'messages faster than they acknowledge them, or hang holding them. Check consumer health and prefetch.',
      evidence,
    };
  },
};

const memoryAlarm: RabbitRule = {
  id: 'memory-alarm',
  title: 'Memory alarm: publishers blocked or about to be',
  faultClass: 'memory-pressure',
  severity: 'critical',
  signals: ['memory_used', 'memory_alarm'],
  actions: ['move-backlog-to-dead-letter', 'apply-max-length-policy', 'set-memory-high-watermark'],
  evaluate({ facts, signals }) {
    if (facts !== undefined) {
      return nodeLimitOutcome(facts.nodes, {
        alarmed: (node) => node.memoryAlarm,
        closeness: (node) => (node.memoryLimitBytes > 0 ? node.memoryUsedBytes / node.memoryLimitBytes : null),
        near: MEMORY_NEAR_WATERMARK,
        evidenceOf: (node) => [
          factEvidence(`${node.name} memory alarm`, node.memoryAlarm),
          factEvidence(`${node.name} memory used bytes`, node.memoryUsedBytes),
          factEvidence(`${node.name} memory high watermark bytes`, node.memoryLimitBytes),
        ],
        describe: (node) =>
          `${node.name} uses ${formatBytes(node.memoryUsedBytes)} of its ${formatBytes(node.memoryLimitBytes)} ` +
          `memory high watermark (${formatPercent(node.memoryUsedBytes / node.memoryLimitBytes)})`,
        alarmAdvice:
          'every publishing connection is blocked until memory falls below the watermark. Drain or park the ' +
          'largest queues, cap them with a max-length policy, and look for consumers that stopped.',
        nearAdvice:
          'at the watermark every publisher is blocked. Drain the largest queues and cap them before it happens.',
      });
    }
    const { memory_used: used, memory_alarm: alarm } = signals;
    if (alarm !== undefined && alarm.last >= 1) {
      const evidence = [signalEvidence(alarm)];
      if (used !== undefined) evidence.push(signalEvidence(used));
      return {
        explanation:
          'The memory alarm is raised: every publishing connection is blocked. Drain or park the largest ' +
          'queues and cap them with a max-length policy.',
        evidence,
      };
    }
    if (used === undefined || used.limit === undefined || used.last < used.limit * MEMORY_NEAR_WATERMARK) return null;
    return {
      severity: 'warning',
      explanation:
        `${formatBytes(used.last)} of memory is used against a high watermark of ${formatBytes(used.limit)} ` +
        `(${formatPercent(used.last / used.limit)}); at the watermark every publisher is blocked. Drain the ` +
        'largest queues and cap them before it happens.',
      evidence: [signalEvidence(used)],
    };
  },
};

const diskAlarm: RabbitRule = {
  id: 'disk-alarm',
  title: 'Disk alarm: publishers blocked or about to be',
  faultClass: 'disk-pressure',
  severity: 'critical',
  signals: ['disk_free', 'disk_alarm'],
  actions: ['purge-queue', 'apply-max-length-policy'],
  evaluate({ facts, signals }) {
    if (facts !== undefined) {
      return nodeLimitOutcome(facts.nodes, {
        alarmed: (node) => node.diskFreeAlarm,
        // Closeness to the limit: 1 means free space equals the limit, 0.5 means twice the limit is free.
        closeness: (node) => (node.diskFreeBytes > 0 ? node.diskFreeLimitBytes / node.diskFreeBytes : null),
        near: 1 / DISK_NEAR_LIMIT_FACTOR,
        evidenceOf: (node) => [
          factEvidence(`${node.name} disk alarm`, node.diskFreeAlarm),
          factEvidence(`${node.name} disk free bytes`, node.diskFreeBytes),
          factEvidence(`${node.name} disk free limit bytes`, node.diskFreeLimitBytes),
        ],
        describe: (node) =>
          `${node.name} has ${formatBytes(node.diskFreeBytes)} free on its data disk against a disk free limit ` +
          `of ${formatBytes(node.diskFreeLimitBytes)}`,
        alarmAdvice:
          'every publishing connection is blocked until space is freed. Free disk on the host, drain the queues ' +
          'that page messages to disk, and bound them with a max-length policy.',
        nearAdvice: 'below the limit every publisher is blocked. Free disk or drain the largest queues now.',
      });
    }
    const { disk_free: free, disk_alarm: alarm } = signals;
    if (alarm !== undefined && alarm.last >= 1) {
      const evidence = [signalEvidence(alarm)];
      if (free !== undefined) evidence.push(signalEvidence(free));
      return {
        explanation:
          'The disk alarm is raised: free disk fell below the disk free limit and every publishing connection ' +
          'is blocked. Free disk on the host and drain the largest queues.',
        evidence,
      };
    }
    if (free === undefined || free.limit === undefined || free.last >= free.limit * DISK_NEAR_LIMIT_FACTOR) return null;
    return {
      severity: 'warning',
      explanation:
        `Only ${formatBytes(free.last)} of disk is free against a disk free limit of ${formatBytes(free.limit)}; ` +
        'below the limit every publisher is blocked. Free disk or drain the largest queues now.',
      evidence: [signalEvidence(free)],
    };
  },
};

const queueAtMaxLength: RabbitRule = {
  id: 'queue-at-max-length',
  title: 'Queues at their max-length drop or reject messages',
  faultClass: 'backlog',
  severity: 'critical',
  signals: [],
  actions: ['apply-max-length-policy', 'move-backlog-to-dead-letter'],
  evaluate({ facts }) {
    if (facts === undefined) return null;
    const full = facts.queues
      .map((queue) => ({ queue, fill: maxLengthFill(queue) }))
      .filter((entry): entry is { queue: RabbitQueue; fill: number } => entry.fill !== null)
      .filter(({ fill }) => fill >= MAX_LENGTH_NEAR)
      .sort((a, b) => b.fill - a.fill);
    const [worst] = full;
    if (worst === undefined) return null;
    const { queue, fill } = worst;
    const atLimit = fill >= 1;
    // Dead-lettered overflow is kept elsewhere, by design; dropped or refused messages are not.
    const deadLettered = queue.deadLetterExchange !== null && queue.overflow !== 'reject-publish';
    return {
      severity: atLimit && !deadLettered ? 'critical' : 'warning',
      explanation:
        `${queueName(queue)} holds ${queue.messagesReady} ready messages (${formatBytes(queue.bytesReady)}) ` +
        `against its limit of ${limitText(queue)} (${formatPercent(fill)} full, overflow ${queue.overflow}). ` +
        `${atLimit ? overflowConsequence(queue) : `At the limit, ${overflowConsequence(queue)}`} ` +
        'Find why consumers fall behind; raise the limit only if the node has the memory and disk for it.',
      evidence: full
        .slice(0, SHOWN)
        .flatMap((entry) => [
          factEvidence(`${queueName(entry.queue)} messages ready`, entry.queue.messagesReady),
          factEvidence(`${queueName(entry.queue)} max length`, limitText(entry.queue)),
          factEvidence(`${queueName(entry.queue)} overflow`, entry.queue.overflow),
        ]),
    };
  },
};

const connectionChurn: RabbitRule = {
  id: 'connection-churn',
  title: 'Clients open and close connections at a high rate',
  faultClass: 'resource-saturation',
  severity: 'warning',
  signals: ['connections_opened_rate', 'connections'],
  actions: ['set-vhost-connection-limit'],
  evaluate({ facts, signals }) {
    const advice =
      'Each new connection costs a TCP and AMQP handshake, authentication and a file descriptor. Find the ' +
      'client opening a connection per message or request and make it reuse a long-lived connection.';
    if (facts !== undefined) {
      const opened = facts.connectionsOpenedPerSecond;
      const severity = levelAbove(opened, CHURN_PER_SECOND);
      if (severity === null) return null;
      return {
        severity,
        explanation:
          `${round(opened, 1)} connections are opened and ${round(facts.connectionsClosedPerSecond, 1)} closed per ` +
          `second while ${facts.connections} are open. ${advice}`,
        evidence: [
          factEvidence('connections opened per second', opened),
          factEvidence('connections closed per second', facts.connectionsClosedPerSecond),
          factEvidence('open connections', facts.connections),
        ],
      };
    }
    const opened = signals.connections_opened_rate;
    // The mean over the window: a sustained rate, not a reconnect burst after a restart.
    const severity = opened === undefined ? null : levelAbove(opened.mean, CHURN_PER_SECOND);
    if (opened === undefined || severity === null) return null;
    const evidence = [signalEvidence(opened)];
    if (signals.connections !== undefined) evidence.push(signalEvidence(signals.connections));
    return {
      severity,
      explanation: `On average ${round(opened.mean, 1)} connections were opened per second over the window. ${advice}`,
      evidence,
    };
  },
};

const fileDescriptorsNearLimit: RabbitRule = {
  id: 'file-descriptors-near-limit',
  title: 'File descriptors or sockets near the limit',
  faultClass: 'resource-saturation',
  severity: 'warning',
  signals: ['file_descriptors'],
  actions: ['close-idle-connections', 'set-vhost-connection-limit'],
  evaluate({ facts, signals }) {
    const consequence =
      'at the limit the node refuses new connections. Close idle connections, cap connections per virtual ' +
      'host, and raise the process limit (ulimit -n / LimitNOFILE) if the load is legitimate.';
    if (facts !== undefined) {
      const usage = facts.nodes
        .flatMap((node) => {
          const tightest = tightestDescriptorUsage(node);
          return tightest !== undefined && tightest.ratio >= DESCRIPTORS_USED.warning ? [{ node, ...tightest }] : [];
        })
        .sort((a, b) => b.ratio - a.ratio);
      const [worst] = usage;
      if (worst === undefined) return null;
      return {
        severity: worst.ratio >= DESCRIPTORS_USED.critical ? 'critical' : 'warning',
        explanation:
          `${worst.node.name} uses ${worst.used} of ${worst.limit} ${worst.what} (${formatPercent(worst.ratio)}); ` +
          consequence,
        evidence: usage
          .slice(0, SHOWN)
          .flatMap(({ node }) => [
            factEvidence(`${node.name} file descriptors used`, node.fileDescriptorsUsed),
            factEvidence(`${node.name} file descriptor limit`, node.fileDescriptorsLimit),
            factEvidence(`${node.name} sockets used`, node.socketsUsed),
            factEvidence(`${node.name} socket limit`, node.socketsLimit),
          ]),
      };
    }
    const descriptors = signals.file_descriptors;
    if (descriptors === undefined || descriptors.limit === undefined) return null;
    const ratio = descriptors.last / descriptors.limit;
    const severity = levelAbove(ratio, DESCRIPTORS_USED);
    if (severity === null) return null;
    return {
      severity,
      explanation: `${descriptors.last} of ${descriptors.limit} file descriptors are in use (${formatPercent(ratio)}); ${consequence}`,
      evidence: [signalEvidence(descriptors)],
    };
  },
};

const networkPartition: RabbitRule = {
  id: 'network-partition',
  title: 'Cluster nodes are partitioned from each other',
  faultClass: 'availability',
  severity: 'critical',
  signals: [],
  actions: [],
  evaluate({ facts }) {
    if (facts === undefined) return null;
    const partitioned = facts.nodes.filter((node) => node.partitionedFrom.length > 0);
    const [first] = partitioned;
    if (first === undefined) return null;
    return {
      explanation:
        `${first.name} is partitioned from ${first.partitionedFrom.join(', ')}: each side accepts writes on its ` +
        'own and the cluster state diverges. Fix the network, then restart the nodes of the minority side ' +
        "(or let the cluster_partition_handling strategy do it) and check classic mirrored queues' contents.",
      evidence: partitioned.map((node) =>
        factEvidence(`${node.name} partitioned from`, node.partitionedFrom.join(', ')),
      ),
    };
  },
};

const clusterNodeDown: RabbitRule = {
  id: 'cluster-node-down',
  title: 'A cluster node is not running',
  faultClass: 'availability',
  severity: 'critical',
  signals: [],
  actions: [],
  evaluate({ facts }) {
    if (facts === undefined) return null;
    const down = facts.nodes.filter((node) => !node.running);
    if (down.length === 0) return null;
    return {
      explanation:
        `${down.length} of ${facts.nodes.length} cluster nodes are not running (${down.map((node) => node.name).join(', ')}). ` +
        'Queues whose leader lived there are unavailable unless they are quorum queues with a majority left. ' +
        'Check the node host and its logs, then restart it.',
      evidence: down.map((node) => factEvidence(`${node.name} running`, node.running)),
    };
  },
};

const missedHeartbeats: RabbitRule = notableLogRule({
  id: 'client-heartbeat-timeouts',
  title: 'Clients stop answering heartbeats',
  faultClass: 'availability',
  severity: 'warning',
  pattern: 'missed-heartbeats',
  actions: [],
  explain: (count) =>
    `The broker closed ${count} connection(s) after missed heartbeats in the window: the clients ` +
    'stopped answering (blocked event loop, long GC pause, CPU starvation or a network path dropping idle ' +
    'traffic). Look at the named clients; do not just raise the heartbeat timeout.',
});

export const rules: RabbitRule[] = [
  queueBacklogWithoutConsumers,
  unackedMessagesPilingUp,
  memoryAlarm,
  diskAlarm,
  queueAtMaxLength,
  connectionChurn,
  fileDescriptorsNearLimit,
  networkPartition,
  clusterNodeDown,
  missedHeartbeats,
];

function queueName(queue: Pick<RabbitQueue, 'name' | 'vhost'>): string {
  return `queue "${queue.name}" (vhost ${queue.vhost})`;
}

interface NodeLimit {
  alarmed: (node: RabbitNode) => boolean;
  /** How close the node is to the limit, 1 meaning at it; null when unknown. */
  closeness: (node: RabbitNode) => number | null;
  near: number;
  evidenceOf: (node: RabbitNode) => Evidence[];
  describe: (node: RabbitNode) => string;
  alarmAdvice: string;
  nearAdvice: string;
}

/** Node resource alarms share one shape: alarmed nodes are critical, nodes close to the limit a warning. */
function nodeLimitOutcome(nodes: RabbitNode[], limit: NodeLimit): RuleOutcome | null {
  const inAlarm = nodes.filter(limit.alarmed);
  const [firstAlarmed] = inAlarm;
  if (firstAlarmed !== undefined) {
    return {
      severity: 'critical',
      explanation: `Alarm raised: ${limit.describe(firstAlarmed)}; ${limit.alarmAdvice}`,
      evidence: inAlarm.flatMap(limit.evidenceOf),
    };
  }
  const near = nodes
    .map((node) => ({ node, closeness: limit.closeness(node) }))
    .filter((entry): entry is { node: RabbitNode; closeness: number } => (entry.closeness ?? 0) >= limit.near)
    .sort((a, b) => b.closeness - a.closeness);
  const [worst] = near;
  if (worst === undefined) return null;
  return {
    severity: 'warning',
    explanation: `${limit.describe(worst.node)}; ${limit.nearAdvice}`,
    evidence: near.flatMap(({ node }) => limit.evidenceOf(node)),
  };
}

/** How full a queue is against the tighter of its count and byte limits; null when it has none. */
function maxLengthFill(queue: RabbitQueue): number | null {
  const fills: number[] = [];
  if (queue.maxLength !== null) fills.push(queue.maxLength === 0 ? 1 : queue.messagesReady / queue.maxLength);
  if (queue.maxLengthBytes !== null) {
    fills.push(queue.maxLengthBytes === 0 ? 1 : queue.bytesReady / queue.maxLengthBytes);
  }
  return fills.length === 0 ? null : Math.max(...fills);
}

function limitText(queue: RabbitQueue): string {
  const limits: string[] = [];
  if (queue.maxLength !== null) limits.push(`${queue.maxLength} messages`);
  if (queue.maxLengthBytes !== null) limits.push(formatBytes(queue.maxLengthBytes));
  return limits.join(' / ');
}

function overflowConsequence(queue: RabbitQueue): string {
  switch (queue.overflow) {
    case 'drop-head':
      return queue.deadLetterExchange === null
        ? 'the oldest messages are silently discarded to make room for new ones.'
        : `the oldest messages are dead-lettered to exchange "${queue.deadLetterExchange}".`;
    case 'reject-publish':
      return 'new publishes are refused (nacked with confirms, silently dropped without).';
    case 'reject-publish-dlx':
      return queue.deadLetterExchange === null
        ? 'new publishes are refused (nacked with confirms, silently dropped without).'
        : `new publishes are refused and dead-lettered to exchange "${queue.deadLetterExchange}".`;
  }
}

/** The fuller of the node's file descriptor and socket budgets; undefined when neither is reported. */
function tightestDescriptorUsage(node: RabbitNode) {
  return [
    { used: node.fileDescriptorsUsed, limit: node.fileDescriptorsLimit, what: 'file descriptors' },
    { used: node.socketsUsed, limit: node.socketsLimit, what: 'sockets' },
  ]
    .flatMap(({ used, limit, what }) =>
      used !== null && limit !== null && limit > 0 ? [{ ratio: used / limit, used, limit, what }] : [],
    )
    .sort((a, b) => b.ratio - a.ratio)[0];
}
