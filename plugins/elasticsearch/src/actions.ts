/** Remediation actions Elasticsearch findings can lead to; executed by the remediation workflow, never here. */
import type { ActionSpec } from '@kubestack/plugin-sdk';

const index = { type: 'string', description: 'Index name or pattern', minLength: 1 };

export const actions: ActionSpec[] = [
  {
    id: 'set-replicas',
    title: 'Change the number of replicas',
    description:
      'Sets index.number_of_replicas on matching indices, e.g. to 0 on a single-node cluster where replicas ' +
      'can never be assigned, or back up once nodes are added. Fewer replicas means less redundancy.',
    risk: 'medium',
    reversible: true,
    params: {
      type: 'object',
      properties: { index, replicas: { type: 'integer', minimum: 0 } },
      required: ['index', 'replicas'],
      additionalProperties: false,
    },
  },
  {
    id: 'remove-read-only-block',
    title: 'Remove the read-only-allow-delete block',
    description:
      'Resets index.blocks.read_only_allow_delete on matching indices so writes are accepted again. Only ' +
      'after disk usage is back under the flood stage, or the block returns at the next disk check.',
    risk: 'medium',
    reversible: true,
    params: {
      type: 'object',
      properties: { index },
      required: ['index'],
      additionalProperties: false,
    },
  },
  {
    id: 'retry-failed-allocations',
    title: 'Retry failed shard allocations',
    description:
      'Asks the master to retry shards that exhausted index.allocation.max_retries (POST ' +
      '_cluster/reroute?retry_failed=true), once the cause (disk, corrupt copy, missing node) is fixed.',
    risk: 'low',
    reversible: false,
    params: { type: 'object', properties: {}, additionalProperties: false },
  },
  {
    id: 'clear-cache',
    title: 'Clear index caches',
    description:
      'Clears the fielddata, query and request caches of matching indices to relieve heap pressure; ' +
      'searches are slower until the caches warm up again.',
    risk: 'low',
    reversible: false,
    params: {
      type: 'object',
      properties: {
        index,
        caches: {
          type: 'array',
          items: { type: 'string', enum: ['fielddata', 'query', 'request'] },
          default: ['fielddata', 'query', 'request'],
        },
      },
      required: ['index'],
      additionalProperties: false,
    },
  },
  {
    id: 'delete-indices',
    title: 'Delete old indices',
    description:
      'Deletes matching indices to free disk space, e.g. the oldest time-based indices past their useful ' +
      'life. The data is gone unless a snapshot holds it.',
    risk: 'high',
    reversible: false,
    params: {
      type: 'object',
      properties: { index: { ...index, description: 'Exact index names or a pattern; never a bare *' } },
      required: ['index'],
      additionalProperties: false,
    },
  },
];
