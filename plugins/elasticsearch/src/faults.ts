/**
 * Real faults induced on a live Elasticsearch through the URL the connector takes, with the rules that
 * must catch them from the connector's facts. This cluster may also be the stack's log store: each
 * scenario only creates and deletes its own randomly named index (never `kubestack-logs-*`) and
 * changes no cluster setting. Never used by the analyzer.
 */
import { type FaultScenario, faultName, HttpError, induceFault, JsonHttp } from '@kubestack/plugin-sdk';
import { describeError } from './rest.ts';

const REQUEST_TIMEOUT_MS = 30_000;
const WAIT = '30s';

/**
 * Creates a uniquely named index with `settings`, runs `then` on it, and resolves once the index has
 * reached `status`; undo deletes the index (allowed despite a read_only_allow_delete block).
 */
async function indexFault(
  url: string,
  role: string,
  settings: (http: JsonHttp) => Promise<Record<string, unknown>>,
  status: 'green' | 'yellow',
  then: (http: JsonHttp, path: string) => Promise<void> = async () => {},
): Promise<() => Promise<void>> {
  const index = faultName(role);
  const path = `/${encodeURIComponent(index)}`;
  const http = new JsonHttp(url, { timeoutMs: REQUEST_TIMEOUT_MS });
  return induceFault(
    `Elasticsearch fault ${index}`,
    async (cleanup) => {
      // Deleting an index that was never created is a no-op with ignore_unavailable.
      cleanup.add(() => http.request(path, { method: 'DELETE', query: { ignore_unavailable: true } }));
      await http.request(path, { method: 'PUT', json: { settings: await settings(http) } });
      // The primary started: the index is yellow or green and the health the connector reads shows it.
      await http
        .request(`/_cluster/health${path}`, { query: { wait_for_status: status, timeout: WAIT } })
        .catch((error) => {
          // Elasticsearch answers HTTP 408 when the wait times out.
          if (error instanceof HttpError && (error.body as { timed_out?: boolean } | undefined)?.timed_out === true) {
            throw new Error(`index ${index} did not turn ${status} within ${WAIT}`);
          }
          throw error;
        });
      await then(http, path);
    },
    { failed: (error) => new Error(`Elasticsearch fault: ${describeError(error)}`, { cause: error }) },
  );
}

const unassignableReplica: FaultScenario = {
  id: 'unassignable-replica',
  title: 'Elasticsearch is yellow: an index asks for more replicas than there are data nodes',
  fires: ['cluster-yellow', 'unassigned-shards'],
  inject: (url) =>
    indexFault(
      url,
      'replicated',
      async (http) => {
        // One replica more than the data nodes can hold: a node never holds two copies of a shard.
        const { number_of_data_nodes: dataNodes } = await http.request<{ number_of_data_nodes: number }>(
          '/_cluster/health',
        );
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
      async (http, path) => {
        await http.request(`${path}/_settings`, {
          method: 'PUT',
          json: { 'index.blocks.read_only_allow_delete': true },
        });
      },
    ),
};

export const faults: FaultScenario[] = [unassignableReplica, readOnlyIndex];
