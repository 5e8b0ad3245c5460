/**
 * Real faults induced on a live Elasticsearch through the URL the connector takes, with the rules that
 * must catch them from the connector's facts. This cluster may also be the stack's log store: each
 * scenario only creates and deletes its own randomly named index (never `kubestack-logs-*`) and
 * changes no cluster setting. Never used by the analyzer.
 */
import { randomBytes } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import type { FaultScenario } from '@kubestack/plugin-sdk';

const REQUEST_TIMEOUT_MS = 30_000;
const WAIT = '30s';

/**
 * Creates a uniquely named index with `settings`, runs `then` on it, and resolves once the index has
 * reached `status`; undo deletes the index (allowed despite a read_only_allow_delete block).
 */
async function indexFault(
  url: string,
  role: string,
  settings: (client: Client) => Promise<Record<string, unknown>>,
  status: 'green' | 'yellow',
  then: (client: Client, index: string) => Promise<void> = async () => {},
): Promise<() => Promise<void>> {
  const index = `kubestack-fault-${randomBytes(4).toString('hex')}-${role}`;
  const client = new Client({ node: url, requestTimeout: REQUEST_TIMEOUT_MS, maxRetries: 0 });
  let undone: Promise<void> | undefined;
  const undo = () => {
    undone ??= (async () => {
      try {
        await client.indices.delete({ index, ignore_unavailable: true });
      } finally {
        await client.close();
      }
    })();
    return undone;
  };
  try {
    await client.indices.create({ index, settings: await settings(client) });
    // The primary started: the index is yellow or green and the health the connector reads shows it.
    const health = await client.cluster.health({ index, wait_for_status: status, timeout: WAIT });
    if (health.timed_out) throw new Error(`index ${index} did not turn ${status} within ${WAIT}`);
    await then(client, index);
  } catch (error) {
    await undo().catch(() => undefined);
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`Elasticsearch fault: ${message}`, { cause: error });
  }
  return undo;
}

const unassignableReplica: FaultScenario = {
  id: 'unassignable-replica',
  title: 'Elasticsearch is yellow: an index asks for more replicas than there are data nodes',
  fires: ['cluster-yellow', 'unassigned-shards'],
  inject: (url) =>
    indexFault(
      url,
      'replicated',
      async (client) => {
        // One replica more than the data nodes can hold: a node never holds two copies of a shard.
        const { number_of_data_nodes: dataNodes } = await client.cluster.health();
        return { number_of_shards: 1, number_of_replicas: dataNodes };
      },
      'yellow',
    ),
};

const readOnlyIndex: FaultScenario = {
  id: 'read-only-index',
  title: 'An Elasticsearch index carries the read_only_allow_delete block',
  fires: ['read-only-indices'],
  inject: (url) =>
    indexFault(
      url,
      'blocked',
      async () => ({ number_of_shards: 1, number_of_replicas: 0 }),
      'green',
      async (client, index) => {
        await client.indices.putSettings({ index, settings: { 'index.blocks.read_only_allow_delete': true } });
      },
    ),
};

export const faults: FaultScenario[] = [unassignableReplica, readOnlyIndex];
