/** Remediation actions RabbitMQ findings can lead to; executed by the remediation workflow, never here. */
import type { ActionSpec } from '@kubestack/plugin-sdk';

const vhost = { type: 'string', description: 'Virtual host', default: '/' };
const queue = { type: 'string', description: 'Queue name', minLength: 1 };

export const actions: ActionSpec[] = [
  {
    id: 'apply-max-length-policy',
    title: 'Bound queues with a max-length policy',
    description:
      'Creates or updates a policy that caps matching queues by message count and/or bytes, so one ' +
      'runaway queue cannot take the node into a memory or disk alarm. Excess messages are dropped from ' +
      'the head (dead-lettered when the queue has a dead-letter exchange) or new publishes are rejected.',
    risk: 'medium',
    reversible: true,
    params: {
      type: 'object',
      properties: {
        vhost,
        name: { type: 'string', description: 'Policy name', minLength: 1 },
        pattern: { type: 'string', description: 'Regular expression over queue names', minLength: 1 },
        maxLength: { type: 'integer', minimum: 1 },
        maxLengthBytes: { type: 'integer', minimum: 1 },
        overflow: { type: 'string', enum: ['drop-head', 'reject-publish', 'reject-publish-dlx'], default: 'drop-head' },
        priority: { type: 'integer', default: 0, description: 'Must win over existing policies on the same queues' },
      },
      required: ['name', 'pattern'],
      additionalProperties: false,
    },
  },
  {
    id: 'move-backlog-to-dead-letter',
    title: 'Move a queue backlog to a parking queue',
    description:
      'Moves the ready messages of a queue to another queue with a one-off dynamic shovel, keeping them ' +
      'for later replay while the source queue drains; the messages are preserved, not lost.',
    risk: 'medium',
    reversible: true,
    params: {
      type: 'object',
      properties: {
        vhost,
        queue,
        targetQueue: { type: 'string', description: 'Parking queue (created if missing)', minLength: 1 },
        maxMessages: { type: 'integer', minimum: 1, description: 'Move at most this many; all ready ones if absent' },
      },
      required: ['queue', 'targetQueue'],
      additionalProperties: false,
    },
  },
  {
    id: 'purge-queue',
    title: 'Purge a queue',
    description: 'Deletes every ready message of a queue. The messages are gone for good.',
    risk: 'high',
    reversible: false,
    params: {
      type: 'object',
      properties: { vhost, queue },
      required: ['queue'],
      additionalProperties: false,
    },
  },
  {
    id: 'close-idle-connections',
    title: 'Close idle client connections',
    description:
      'Closes client connections that sent and received nothing for a while. A consumer stuck without ' +
      'acknowledging is idle too: closing it returns its unacknowledged messages to the queue.',
    risk: 'medium',
    reversible: false,
    params: {
      type: 'object',
      properties: {
        vhost,
        idleSeconds: { type: 'integer', minimum: 60, default: 600 },
        user: { type: 'string', description: 'Only connections of this user' },
        reason: { type: 'string', default: 'closed by KubeStack-AI: idle connection' },
      },
      required: ['idleSeconds'],
      additionalProperties: false,
    },
  },
  {
    id: 'set-vhost-connection-limit',
    title: 'Limit connections per virtual host',
    description:
      'Sets the max-connections limit of a virtual host, so one misbehaving application cannot exhaust ' +
      'the file descriptors of the node. Existing connections stay; new ones above the limit are refused.',
    risk: 'medium',
    reversible: true,
    params: {
      type: 'object',
      properties: { vhost, maxConnections: { type: 'integer', minimum: 1 } },
      required: ['maxConnections'],
      additionalProperties: false,
    },
  },
  {
    id: 'set-memory-high-watermark',
    title: 'Raise the memory high watermark',
    description:
      'Raises vm_memory_high_watermark at runtime (until the next restart) to lift a memory alarm while ' +
      'consumers catch up. Only safe when the host has memory to spare.',
    risk: 'high',
    reversible: true,
    params: {
      type: 'object',
      properties: {
        node: { type: 'string', description: 'Node name, e.g. rabbit@host' },
        fraction: { type: 'number', minimum: 0.1, maximum: 0.8, description: 'Fraction of total RAM' },
      },
      required: ['node', 'fraction'],
      additionalProperties: false,
    },
  },
];
