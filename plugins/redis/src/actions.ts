/** Remediation actions offered for Redis. Declared here; the remediation workflow dry-runs, approves and runs them. */
import type { ActionSpec } from '@kubestack/plugin-sdk';

const MAXMEMORY_POLICIES = [
  'noeviction',
  'allkeys-lru',
  'allkeys-lfu',
  'allkeys-random',
  'volatile-lru',
  'volatile-lfu',
  'volatile-random',
  'volatile-ttl',
] as const;

export const actions: ActionSpec[] = [
  {
    id: 'set-maxmemory-policy',
    title: 'Change the eviction policy',
    description:
      'CONFIG SET maxmemory-policy. An evicting policy turns OOM write errors into silent removal of keys: ' +
      'right for a cache, wrong for data that is not stored elsewhere. Undone by setting the previous policy; ' +
      'not persisted to redis.conf (CONFIG REWRITE is left to the operator).',
    risk: 'medium',
    reversible: true,
    params: {
      type: 'object',
      properties: {
        policy: { type: 'string', enum: [...MAXMEMORY_POLICIES], description: 'The new maxmemory-policy.' },
      },
      required: ['policy'],
      additionalProperties: false,
    },
  },
  {
    id: 'raise-maxmemory',
    title: 'Raise maxmemory',
    description:
      'CONFIG SET maxmemory to a higher value, refused above maxBytes and above maxPercentOfSystemMemory of the ' +
      "host's memory (a fork for BGSAVE needs headroom for copy-on-write). Undone by setting the previous value.",
    risk: 'medium',
    reversible: true,
    params: {
      type: 'object',
      properties: {
        targetBytes: {
          type: 'integer',
          minimum: 1,
          description: 'The new maxmemory, in bytes; above the current one.',
        },
        maxBytes: { type: 'integer', minimum: 1, description: 'Hard ceiling the new value may not exceed.' },
        maxPercentOfSystemMemory: {
          type: 'number',
          minimum: 1,
          maximum: 90,
          default: 75,
          description: 'Ceiling as a percentage of total_system_memory (ignored when Redis cannot tell it).',
        },
      },
      required: ['targetBytes', 'maxBytes'],
      additionalProperties: false,
    },
  },
  {
    id: 'kill-clients',
    title: 'Disconnect idle or blocked clients',
    description:
      'CLIENT KILL ID for normal clients (never replicas, masters or pub/sub) that are idle, or blocked, for at ' +
      'least idleSecondsAtLeast, at most maxCount of them. Applications with a pool reconnect; an in-flight ' +
      'blocking call is lost.',
    risk: 'medium',
    reversible: false,
    params: {
      type: 'object',
      properties: {
        filter: { type: 'string', enum: ['idle', 'blocked'], description: 'Which clients: idle ones or blocked ones.' },
        idleSecondsAtLeast: {
          type: 'integer',
          minimum: 60,
          default: 300,
          description: 'Only clients whose last command started at least this long ago.',
        },
        maxCount: { type: 'integer', minimum: 1, maximum: 1000, default: 100, description: 'Upper bound on kills.' },
      },
      required: ['filter'],
      additionalProperties: false,
    },
  },
  {
    id: 'bgsave',
    title: 'Take an RDB snapshot now',
    description:
      'BGSAVE, to check that persistence works again after fixing its cause (disk space, permissions, ' +
      'overcommit_memory); a success also lifts the MISCONF write refusal. Forks the server: needs free memory.',
    risk: 'low',
    // It replaces the previous dump.rdb, which cannot be brought back.
    reversible: false,
    params: { type: 'object', properties: {}, additionalProperties: false },
  },
];
