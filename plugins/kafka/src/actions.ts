/** Remediation actions Kafka findings can lead to; executed by the remediation workflow, never here. */
import type { ActionSpec } from '@kubestack/plugin-sdk';

const topic = { type: 'string', description: 'Topic name', minLength: 1 };
const groupId = { type: 'string', description: 'Consumer group id', minLength: 1 };

export const actions: ActionSpec[] = [
  {
    id: 'add-partitions',
    title: 'Add partitions to a topic',
    description:
      'Raises the partition count of a topic so more consumers of a group can share the load. Partitions ' +
      'can never be removed again, and keyed messages map to different partitions afterwards.',
    risk: 'medium',
    reversible: false,
    params: {
      type: 'object',
      properties: { topic, count: { type: 'integer', minimum: 2, description: 'New total partition count' } },
      required: ['topic', 'count'],
      additionalProperties: false,
    },
  },
  {
    id: 'reset-group-offsets',
    title: 'Reset the offsets of an inactive consumer group',
    description:
      'Moves the committed offsets of a consumer group on one topic, e.g. to latest to skip a backlog that ' +
      'no longer matters. Only for a group with no active member (Kafka refuses otherwise); skipped ' +
      'messages are not processed. The previous offsets are recorded in the audit log.',
    risk: 'high',
    reversible: false,
    params: {
      type: 'object',
      properties: {
        groupId,
        topic,
        to: { type: 'string', enum: ['earliest', 'latest', 'timestamp'] },
        timestamp: { type: 'integer', description: 'Epoch milliseconds, when to is "timestamp"' },
      },
      required: ['groupId', 'topic', 'to'],
      additionalProperties: false,
    },
  },
  {
    id: 'increase-retention',
    title: 'Increase the retention of a topic',
    description:
      'Raises retention.ms of a topic so that lagging or stopped consumers do not lose unread messages to ' +
      'log deletion. Costs disk on every replica.',
    risk: 'low',
    reversible: true,
    params: {
      type: 'object',
      properties: { topic, retentionMs: { type: 'integer', minimum: 60_000 } },
      required: ['topic', 'retentionMs'],
      additionalProperties: false,
    },
  },
  {
    id: 'delete-consumer-group',
    title: 'Delete an abandoned consumer group',
    description:
      'Deletes a consumer group that has no member, with its committed offsets. If the application comes ' +
      'back it starts from its auto.offset.reset position.',
    risk: 'medium',
    reversible: false,
    params: {
      type: 'object',
      properties: { groupId },
      required: ['groupId'],
      additionalProperties: false,
    },
  },
  {
    id: 'trigger-preferred-leader-election',
    title: 'Move leadership back to preferred replicas',
    description:
      'Runs a preferred leader election so each partition is led by its first replica again, spreading the ' +
      'load evenly after broker restarts. Clients see a short leader change per partition.',
    risk: 'low',
    reversible: false,
    params: {
      type: 'object',
      properties: { topics: { type: 'array', items: topic, description: 'All topics when absent' } },
      additionalProperties: false,
    },
  },
];
