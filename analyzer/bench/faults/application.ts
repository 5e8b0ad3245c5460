/**
 * A simulated application that ships its log lines into the stack's log index (`kubestack-logs-YYYY.MM.DD`,
 * the fields the analyzer reads), as a real application's shipper would: `service.type` is the application's
 * name (the `service:<name>` node of declared dependencies), `service.instance` a name unique to this run so
 * undo deletes exactly what it wrote.
 */
import { randomBytes } from 'node:crypto';
import { JsonHttp } from '@kubestack/plugin-sdk';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export interface LogLine {
  level: LogLevel;
  message: string;
}

const INDEX_PREFIX = 'kubestack-logs-';
const REQUEST_TIMEOUT_MS = 30_000;

export interface SimulatedApplication {
  /** The node analyses name it by: `service:<name>`. */
  readonly node: string;
  /** Ships lines stamped `at` (now by default), searchable once this resolves. */
  ship(lines: readonly LogLine[], at?: Date): Promise<void>;
  /**
   * Ships the application's ordinary history (what it logged while healthy) over the `minutes` before now,
   * one batch of `lines()` every `everySeconds`: the baseline a real application would have.
   */
  backfill(minutes: number, everySeconds: number, lines: (at: Date) => readonly LogLine[]): Promise<void>;
  /** Ships `lines()` every `everyMs` until the returned stop is called. */
  every(everyMs: number, lines: () => readonly LogLine[]): () => Promise<void>;
  /** Deletes every line this run shipped. */
  erase(): Promise<void>;
}

function indexOf(at: Date): string {
  return `${INDEX_PREFIX}${at.toISOString().slice(0, 10).replaceAll('-', '.')}`;
}

export function simulatedApplication(elasticsearchUrl: string, name: string): SimulatedApplication {
  const http = new JsonHttp(elasticsearchUrl, { timeoutMs: REQUEST_TIMEOUT_MS });
  const instance = `${name}-${randomBytes(3).toString('hex')}`;
  const document = (line: LogLine, at: Date) => ({
    '@timestamp': at.toISOString(),
    service: { type: name, instance },
    log: { level: line.level },
    message: line.message,
  });
  /** One _bulk request (NDJSON, which JsonHttp does not send), visible to searches once it resolves. */
  const send = async (ndjson: string): Promise<void> => {
    const response = await fetch(new URL('/_bulk?refresh=wait_for', elasticsearchUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: ndjson,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    type Item = Record<string, { error?: unknown } | undefined>;
    const reply = (await response.json()) as { errors?: boolean; items?: Item[] };
    if (!response.ok || reply.errors) {
      const failed = reply.items?.flatMap((item) => Object.values(item)).find((result) => result?.error)?.error;
      throw new Error(`${name}'s log shipping failed: HTTP ${response.status} ${JSON.stringify(failed ?? '')}`);
    }
  };
  const bulk = async (entries: ReadonlyArray<{ line: LogLine; at: Date }>): Promise<void> => {
    if (entries.length === 0) return;
    const body = entries
      .flatMap(({ line, at }) => [
        JSON.stringify({ create: { _index: indexOf(at) } }),
        JSON.stringify(document(line, at)),
      ])
      .join('\n');
    await send(`${body}\n`);
  };
  return {
    node: `service:${name}`,
    ship: (lines, at = new Date()) => bulk(lines.map((line) => ({ line, at }))),
    async backfill(minutes, everySeconds, lines) {
      const now = Date.now();
      const entries: Array<{ line: LogLine; at: Date }> = [];
      for (let ms = now - minutes * 60_000; ms < now; ms += everySeconds * 1000) {
        const at = new Date(ms);
        for (const line of lines(at)) entries.push({ line, at });
      }
      for (let start = 0; start < entries.length; start += 2000) await bulk(entries.slice(start, start + 2000));
    },
    every(everyMs, lines) {
      let failure: unknown;
      let pending: Promise<void> = Promise.resolve();
      const timer = setInterval(() => {
        pending = bulk(lines().map((line) => ({ line, at: new Date() }))).catch((error: unknown) => {
          failure ??= error;
        });
      }, everyMs);
      return async () => {
        clearInterval(timer);
        await pending;
        if (failure !== undefined) throw failure;
      };
    },
    async erase() {
      // Deleted by id: the stack's Elasticsearch may lack the reindex module that serves _delete_by_query.
      for (;;) {
        const found = await http.request<{ hits: { hits: Array<{ _index: string; _id: string }> } }>(
          `/${INDEX_PREFIX}*/_search`,
          {
            method: 'POST',
            json: { size: 5000, _source: false, query: { term: { 'service.instance': instance } } },
          },
        );
        const hits = found.hits.hits;
        if (hits.length === 0) return;
        const body = hits.map((hit) => JSON.stringify({ delete: { _index: hit._index, _id: hit._id } })).join('\n');
        await send(`${body}\n`);
      }
    },
  };
}
