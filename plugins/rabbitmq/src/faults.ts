/**
 * Real faults induced on a live RabbitMQ through the management HTTP API (the URL the connector takes),
 * with the rules that must catch them from the connector's facts. Safe on a shared broker: each
 * scenario declares its own randomly named queue in vhost "/" and deletes it on undo; no policy,
 * user or setting is touched. Never used by the analyzer.
 */
import {
  type FaultScenario,
  faultName,
  HttpError,
  induceFault,
  type JsonHttp,
  type JsonRequest,
} from '@kubestack/plugin-sdk';
import { describeError, managementApi } from './management.ts';
import { BACKLOG_WARNING } from './rules.ts';

const VHOST = '%2F';
const BACKLOG_MESSAGES = BACKLOG_WARNING + 500;
const MAX_LENGTH = 50;
/** More than the limit: with the default overflow (drop-head) the queue stays full at its max-length. */
const OVERFLOW_MESSAGES = 80;
/** Publish requests in flight at once: one message per HTTP request. */
const PUBLISHERS = 16;
const REQUEST_TIMEOUT_MS = 10_000;
/** The management API refreshes queue statistics every few seconds (collect_statistics_interval). */
const STATISTICS_WAIT_MS = 30_000;
const POLL_MS = 250;

type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';
type Api = <T>(method: Method, path: string, request?: Omit<JsonRequest, 'method'>) => Promise<T | undefined>;

/** Calls to the management API at `url`; a DELETE of something already gone counts as done. */
function faultApi(url: string): Api {
  let http: JsonHttp;
  try {
    http = managementApi(url, REQUEST_TIMEOUT_MS);
  } catch (error) {
    throw new Error(`RabbitMQ fault: ${(error as Error).message}`);
  }
  return async <T>(method: Method, path: string, request: Omit<JsonRequest, 'method'> = {}) => {
    try {
      return await http.request<T>(path, { ...request, method });
    } catch (error) {
      if (method === 'DELETE' && error instanceof HttpError && error.status === 404) return undefined;
      throw new Error(`RabbitMQ fault: ${method} ${path} failed (${describeError(error, REQUEST_TIMEOUT_MS)})`);
    }
  };
}

function queuePath(name: string): string {
  return `/api/queues/${VHOST}/${encodeURIComponent(name)}`;
}

/** Publishes `count` messages to `queue` through the default exchange, a few requests at a time. */
async function publish(api: Api, queue: string, count: number): Promise<void> {
  let next = 0;
  let failed = false;
  const publisher = async (): Promise<void> => {
    while (!failed && next < count) {
      const index = next;
      next += 1;
      try {
        const reply = await api<{ routed?: boolean }>('POST', `/api/exchanges/${VHOST}/amq.default/publish`, {
          json: {
            properties: { delivery_mode: 1 },
            routing_key: queue,
            payload: `kubestack fault message ${index}`,
            payload_encoding: 'string',
          },
        });
        if (reply?.routed !== true) throw new Error(`RabbitMQ fault: a message to ${queue} was not routed`);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(PUBLISHERS, count) }, publisher));
  const rejected = results.find((result) => result.status === 'rejected');
  if (rejected !== undefined) throw rejected.reason;
}

/** Waits until the management statistics, which the connector reads, show `ready` messages in `queue`. */
async function untilReady(api: Api, queue: string, ready: number): Promise<void> {
  const deadline = Date.now() + STATISTICS_WAIT_MS;
  let seen: number | undefined;
  while (Date.now() < deadline) {
    const stats = await api<{ messages_ready?: number }>('GET', queuePath(queue), {
      query: { columns: 'messages_ready' },
    });
    seen = stats?.messages_ready;
    if (seen === ready) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(`RabbitMQ fault: ${queue} showed ${seen ?? 'no'} ready messages, not ${ready}, in the statistics`);
}

/** Declares a uniquely named queue, fills it, and waits until the statistics show it; undo deletes it. */
async function queueFault(
  url: string,
  role: string,
  args: Record<string, unknown>,
  messages: number,
  ready: number,
): Promise<() => Promise<void>> {
  const api = faultApi(url);
  const queue = faultName(role);
  return induceFault(
    `RabbitMQ fault ${queue}`,
    async (cleanup) => {
      // Deleting an absent queue answers 404, which counts as done: safe after a half-failed inject.
      cleanup.add(() => api('DELETE', queuePath(queue)));
      await api('PUT', queuePath(queue), { json: { durable: false, auto_delete: false, arguments: args } });
      await publish(api, queue, messages);
      await untilReady(api, queue, ready);
    },
    // RabbitMQ fault errors already say what failed.
    { failed: (error) => error },
  );
}

const backlogWithoutConsumers: FaultScenario = {
  id: 'queue-backlog-without-consumers',
  title: 'A RabbitMQ queue holds a backlog that no consumer drains',
  fires: ['queue-backlog-without-consumers'],
  inject: (url) => queueFault(url, 'backlog', {}, BACKLOG_MESSAGES, BACKLOG_MESSAGES),
};

const queueAtMaxLength: FaultScenario = {
  id: 'queue-at-max-length',
  title: 'A RabbitMQ queue is full at its max-length and drops its oldest messages',
  fires: ['queue-at-max-length'],
  inject: (url) => queueFault(url, 'capped', { 'x-max-length': MAX_LENGTH }, OVERFLOW_MESSAGES, MAX_LENGTH),
};

export const faults: FaultScenario[] = [backlogWithoutConsumers, queueAtMaxLength];
