/**
 * Key RabbitMQ signals from the built-in rabbitmq_prometheus plugin (aggregated `/metrics`, the
 * default): one series per node, so `sum` over the instance keeps the queries valid when per-object
 * metrics are enabled too.
 * Counters become rates over `{{rate_interval}}` (at least four scrapes and one query step, set by the
 * analyzer), so they neither vanish with slow scrapes nor skip data between steps; no rule here
 * depends on a particular range.
 */
import type { SignalSpec } from '@kubestack/plugin-sdk';

const at = '{instance="{{instance}}"}';
/**
 * Queue metrics exist only while some queue does: a broker without queues has 0 messages, not
 * "no data". Multiplying the always-present identity series by 0 gives that 0 while the broker is
 * scraped, and still nothing when it is gone.
 */
const ZERO_WHEN_UP = `0 * max(rabbitmq_identity_info${at})`;

export const signals: SignalSpec[] = [
  {
    id: 'messages_ready',
    name: 'Messages ready',
    faultClass: 'backlog',
    query: `sum(rabbitmq_queue_messages_ready${at}) or ${ZERO_WHEN_UP}`,
    unit: 'count',
    badDirection: 'up',
    description: 'Messages waiting in queues for a consumer; a steady climb means consumers fall behind.',
  },
  {
    id: 'messages_unacked',
    name: 'Messages delivered, not acknowledged',
    faultClass: 'backlog',
    query: `sum(rabbitmq_queue_messages_unacked${at}) or ${ZERO_WHEN_UP}`,
    unit: 'count',
    badDirection: 'up',
    description: 'Messages handed to consumers and not yet acknowledged; growth means consumers hang or forget to ack.',
  },
  {
    id: 'consumers',
    name: 'Consumers',
    faultClass: 'backlog',
    query: 'sum(rabbitmq_consumers{instance="{{instance}}"})',
    unit: 'count',
    badDirection: 'down',
    description: 'Consumers attached to queues on the node; a drop to zero stops all processing.',
  },
  {
    id: 'published_rate',
    name: 'Messages published',
    faultClass: 'load-surge',
    query: 'sum(rate(rabbitmq_global_messages_received_total{instance="{{instance}}"}[{{rate_interval}}]))',
    unit: 'per_second',
    badDirection: 'both',
    description: 'Messages received from publishers per second.',
  },
  {
    id: 'delivered_rate',
    name: 'Messages delivered',
    faultClass: 'backlog',
    query: 'sum(rate(rabbitmq_global_messages_delivered_total{instance="{{instance}}"}[{{rate_interval}}]))',
    unit: 'per_second',
    badDirection: 'down',
    description: 'Messages delivered to consumers per second; below the publish rate the backlog grows.',
  },
  {
    id: 'connections',
    name: 'Client connections',
    faultClass: 'connection-exhaustion',
    query: 'sum(rabbitmq_connections{instance="{{instance}}"})',
    unit: 'count',
    badDirection: 'both',
    description: 'Open client connections; each holds a file descriptor and memory on the node.',
  },
  {
    id: 'connections_opened_rate',
    name: 'Connections opened',
    faultClass: 'resource-saturation',
    query: 'sum(rate(rabbitmq_connections_opened_total{instance="{{instance}}"}[{{rate_interval}}]))',
    unit: 'per_second',
    badDirection: 'up',
    description: 'New connections per second; sustained churn burns CPU on TLS/auth and exhausts file descriptors.',
  },
  {
    id: 'memory_used',
    name: 'Memory used',
    faultClass: 'memory-pressure',
    query: 'sum(rabbitmq_process_resident_memory_bytes{instance="{{instance}}"})',
    unit: 'bytes',
    badDirection: 'up',
    limit: {
      query: 'sum(rabbitmq_resident_memory_limit_bytes{instance="{{instance}}"})',
      name: 'memory high watermark',
    },
    description: 'Resident memory of the node; at the high watermark the memory alarm blocks every publisher.',
  },
  {
    id: 'disk_free',
    name: 'Free disk space',
    faultClass: 'disk-pressure',
    query: 'sum(rabbitmq_disk_space_available_bytes{instance="{{instance}}"})',
    unit: 'bytes',
    badDirection: 'down',
    limit: {
      query: 'sum(rabbitmq_disk_space_available_limit_bytes{instance="{{instance}}"})',
      name: 'disk free limit',
    },
    description: 'Free space on the data disk; below the disk free limit the disk alarm blocks every publisher.',
  },
  {
    id: 'file_descriptors',
    name: 'Open file descriptors',
    faultClass: 'resource-saturation',
    query: 'sum(rabbitmq_process_open_fds{instance="{{instance}}"})',
    unit: 'count',
    badDirection: 'up',
    limit: { query: 'sum(rabbitmq_process_max_fds{instance="{{instance}}"})', name: 'file descriptor limit' },
    description: 'File descriptors in use (sockets and files); at the limit new connections are refused.',
  },
  {
    id: 'memory_alarm',
    name: 'Memory alarm',
    faultClass: 'memory-pressure',
    query: 'max(rabbitmq_alarms_memory_used_watermark{instance="{{instance}}"})',
    unit: 'count',
    badDirection: 'up',
    description: '1 while the memory alarm is raised and publishers are blocked.',
  },
  {
    id: 'disk_alarm',
    name: 'Disk alarm',
    faultClass: 'disk-pressure',
    query: 'max(rabbitmq_alarms_free_disk_space_watermark{instance="{{instance}}"})',
    unit: 'count',
    badDirection: 'up',
    description: '1 while the disk alarm is raised and publishers are blocked.',
  },
];
