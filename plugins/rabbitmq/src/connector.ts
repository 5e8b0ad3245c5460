/**
 * Read-only connector over the RabbitMQ management HTTP API. The AMQP port of the instance label is
 * not the management port, and the API needs a login: the configuration gives the management URL,
 * with a monitoring user, per instance or as a template.
 */
import { type Connector, HttpError, type JsonHttp, type JsonRequest } from '@kubestack/plugin-sdk';
import { describeError, managementApi } from './management.ts';

export interface RabbitNode {
  name: string;
  running: boolean;
  memoryAlarm: boolean;
  diskFreeAlarm: boolean;
  memoryUsedBytes: number;
  /** The memory high watermark in bytes: above it the memory alarm blocks publishers. */
  memoryLimitBytes: number;
  diskFreeBytes: number;
  diskFreeLimitBytes: number;
  /** null when the node does not report it (some platforms say "unknown"). */
  fileDescriptorsUsed: number | null;
  fileDescriptorsLimit: number | null;
  socketsUsed: number | null;
  socketsLimit: number | null;
  /** Names of the peers this node is partitioned from. */
  partitionedFrom: string[];
}

export type OverflowBehaviour = 'drop-head' | 'reject-publish' | 'reject-publish-dlx';

export interface RabbitQueue {
  vhost: string;
  name: string;
  messagesReady: number;
  messagesUnacked: number;
  bytesReady: number;
  consumers: number;
  /** Per second, over the management plugin's last statistics interval; null when statistics are off. */
  ackRate: number | null;
  publishRate: number | null;
  policy: string | null;
  /** Effective limit: the smaller of the `x-max-length` argument and the policy's `max-length`. */
  maxLength: number | null;
  maxLengthBytes: number | null;
  overflow: OverflowBehaviour;
  deadLetterExchange: string | null;
}

export interface Facts {
  version: string;
  clusterName: string;
  nodes: RabbitNode[];
  /** The largest queues by message count, at most QUEUE_SAMPLE_SIZE of them. */
  queues: RabbitQueue[];
  queueCount: number;
  connections: number;
  connectionsOpenedPerSecond: number;
  connectionsClosedPerSecond: number;
}

/** Bounds the cost on brokers with many thousands of queues; the largest queues are the ones that matter. */
const QUEUE_SAMPLE_SIZE = 500;

const QUEUE_COLUMNS = [
  'vhost',
  'name',
  'messages_ready',
  'messages_unacknowledged',
  'message_bytes_ready',
  'consumers',
  'policy',
  'arguments',
  'effective_policy_definition',
  'message_stats.ack_details.rate',
  'message_stats.publish_details.rate',
].join(',');

interface Rate {
  rate?: number;
}

interface OverviewJson {
  rabbitmq_version?: string;
  cluster_name?: string;
  object_totals?: { connections?: number; queues?: number };
  churn_rates?: { connection_created_details?: Rate; connection_closed_details?: Rate };
}

interface NodeJson {
  name: string;
  running?: boolean;
  mem_used?: number;
  mem_limit?: number;
  mem_alarm?: boolean;
  disk_free?: number;
  disk_free_limit?: number;
  disk_free_alarm?: boolean;
  fd_used?: unknown;
  fd_total?: unknown;
  sockets_used?: unknown;
  sockets_total?: unknown;
  partitions?: string[];
}

interface QueueJson {
  vhost: string;
  name: string;
  messages_ready?: number;
  messages_unacknowledged?: number;
  message_bytes_ready?: number;
  consumers?: number;
  policy?: string | null;
  arguments?: Record<string, unknown>;
  effective_policy_definition?: Record<string, unknown> | [];
  message_stats?: { ack_details?: Rate; publish_details?: Rate };
}

interface QueuePageJson {
  items: QueueJson[];
  total_count: number;
}

export const connector: Connector<Facts> = {
  // The management API always needs a login, and the broker's guest user only works from localhost:
  // no guessed credentials. The operator configures a user with the "monitoring" tag.
  defaultUrl: () => undefined,

  async collect(target, { timeoutMs }) {
    const where = `RabbitMQ ${target.instance.name}`;
    let http: JsonHttp;
    try {
      http = managementApi(target.url, timeoutMs);
    } catch (error) {
      throw new Error(`${where}: ${(error as Error).message}`);
    }
    // The three requests run at once, each within timeoutMs: one deadline for the whole collection.
    const step = async <T>(what: string, path: string, valid: (answer: T) => boolean, query?: JsonRequest['query']) => {
      let answer: T;
      try {
        answer = await http.request<T>(path, { query });
      } catch (error) {
        const unauthorized = error instanceof HttpError && (error.status === 401 || error.status === 403);
        const hint = unauthorized ? '; the user needs the "monitoring" tag' : '';
        throw new Error(`${where}: ${what} failed (${describeError(error, timeoutMs)}${hint})`);
      }
      if (!valid(answer)) throw new Error(`${where}: ${what} failed (not a RabbitMQ management API answer)`);
      return answer;
    };
    const [overview, nodes, queuePage] = await Promise.all([
      step<OverviewJson>('overview', '/api/overview', (answer) => typeof answer?.rabbitmq_version === 'string'),
      step<NodeJson[]>('node list', '/api/nodes', Array.isArray),
      step<QueuePageJson>('queue list', '/api/queues', (answer) => Array.isArray(answer?.items), {
        page: 1,
        page_size: QUEUE_SAMPLE_SIZE,
        sort: 'messages',
        sort_reverse: true,
        columns: QUEUE_COLUMNS,
      }),
    ]);
    return {
      version: overview.rabbitmq_version ?? 'unknown',
      clusterName: overview.cluster_name ?? '',
      nodes: nodes.map(toNode),
      queues: queuePage.items.map(toQueue),
      queueCount: queuePage.total_count,
      connections: overview.object_totals?.connections ?? 0,
      connectionsOpenedPerSecond: overview.churn_rates?.connection_created_details?.rate ?? 0,
      connectionsClosedPerSecond: overview.churn_rates?.connection_closed_details?.rate ?? 0,
    };
  },
};

function toNode(node: NodeJson): RabbitNode {
  return {
    name: node.name,
    // A missing field is no evidence of a problem: absent flags read as healthy.
    running: node.running ?? true,
    memoryAlarm: node.mem_alarm ?? false,
    diskFreeAlarm: node.disk_free_alarm ?? false,
    memoryUsedBytes: node.mem_used ?? 0,
    memoryLimitBytes: node.mem_limit ?? 0,
    diskFreeBytes: node.disk_free ?? 0,
    diskFreeLimitBytes: node.disk_free_limit ?? 0,
    fileDescriptorsUsed: numberOrNull(node.fd_used),
    fileDescriptorsLimit: numberOrNull(node.fd_total),
    socketsUsed: numberOrNull(node.sockets_used),
    socketsLimit: numberOrNull(node.sockets_total),
    partitionedFrom: node.partitions ?? [],
  };
}

function toQueue(queue: QueueJson): RabbitQueue {
  const args = queue.arguments ?? {};
  // The management API renders an empty policy definition as [] rather than {}.
  const policy = Array.isArray(queue.effective_policy_definition) ? {} : (queue.effective_policy_definition ?? {});
  const stats = queue.message_stats;
  return {
    vhost: queue.vhost,
    name: queue.name,
    messagesReady: queue.messages_ready ?? 0,
    messagesUnacked: queue.messages_unacknowledged ?? 0,
    bytesReady: queue.message_bytes_ready ?? 0,
    consumers: queue.consumers ?? 0,
    // Without message_stats statistics are off; with them, a missing detail means no such event yet.
    ackRate: stats === undefined ? null : (stats.ack_details?.rate ?? 0),
    publishRate: stats === undefined ? null : (stats.publish_details?.rate ?? 0),
    policy: queue.policy || null,
    maxLength: smallestLimit(args['x-max-length'], policy['max-length']),
    maxLengthBytes: smallestLimit(args['x-max-length-bytes'], policy['max-length-bytes']),
    overflow: overflowOf(args['x-overflow'] ?? policy.overflow),
    deadLetterExchange: stringOrNull(args['x-dead-letter-exchange'] ?? policy['dead-letter-exchange']),
  };
}

/** RabbitMQ applies the lower of a queue argument and a policy limit when both are set. */
function smallestLimit(...values: unknown[]): number | null {
  const limits = values.filter((value): value is number => typeof value === 'number' && value >= 0);
  return limits.length === 0 ? null : Math.min(...limits);
}

function overflowOf(value: unknown): OverflowBehaviour {
  return value === 'reject-publish' || value === 'reject-publish-dlx' ? value : 'drop-head';
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
