/**
 * Elasticsearch log source. Logs follow one convention (written by the log shipper): `@timestamp`,
 * `service.type`, `service.instance`, `log.level`, `message`, in daily indices matched by a pattern.
 */
import { Client, errors } from '@elastic/elasticsearch';
import { SourceError, withRetries } from './errors.ts';

export const LOG_FIELDS = {
  timestamp: '@timestamp',
  serviceType: 'service.type',
  serviceInstance: 'service.instance',
  level: 'log.level',
  message: 'message',
} as const;

export interface LogFilter {
  from: Date;
  to: Date;
  serviceType?: string;
  instance?: string;
  levels?: string[];
  /** Full-text match on the message (all words must appear). */
  text?: string;
}

export interface LogRecord {
  timestamp: string;
  level: string;
  message: string;
  serviceType: string;
  instance: string;
}

export interface ElasticsearchOptions {
  url: string;
  index: string;
  timeoutMs: number;
  retries: number;
  username?: string;
  password?: string;
  apiKey?: string;
}

type QueryContainer = Record<string, unknown>;

export class ElasticsearchSource {
  readonly #client: Client;
  readonly #index: string;
  readonly #retries: number;
  readonly #shown: string;

  constructor(options: ElasticsearchOptions) {
    const url = new URL(options.url);
    let auth: { username: string; password: string } | { apiKey: string } | undefined;
    if (options.apiKey) auth = { apiKey: options.apiKey };
    else if (options.username) auth = { username: options.username, password: options.password ?? '' };
    else if (url.username)
      auth = { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
    url.username = '';
    url.password = '';
    this.#shown = url.origin;
    this.#index = options.index;
    this.#retries = options.retries;
    // Retries are ours (withRetries) so that every failure is wrapped the same way.
    this.#client = new Client({
      node: url.href,
      requestTimeout: options.timeoutMs,
      maxRetries: 0,
      ...(auth ? { auth } : {}),
    });
  }

  async ping(): Promise<void> {
    await this.#call(() => this.#client.cluster.health({ timeout: '1s' }));
  }

  /** Newest first. */
  async search(filter: LogFilter, size: number): Promise<{ total: number; lines: LogRecord[] }> {
    const response = await this.#call(() =>
      this.#client.search<Record<string, unknown>>({
        index: this.#index,
        ignore_unavailable: true,
        allow_no_indices: true,
        size,
        track_total_hits: true,
        sort: [{ [LOG_FIELDS.timestamp]: { order: 'desc', unmapped_type: 'date' } }],
        query: toQuery(filter),
        _source: Object.values(LOG_FIELDS),
      }),
    );
    const total = typeof response.hits.total === 'number' ? response.hits.total : (response.hits.total?.value ?? 0);
    return { total, lines: response.hits.hits.map((hit) => toRecord(hit._source ?? {})) };
  }

  /** Counts per value of a keyword field (e.g. log.level), most frequent first. */
  async terms(filter: LogFilter, field: string, size = 20): Promise<Record<string, number>> {
    const response = await this.#call(() =>
      this.#client.search({
        index: this.#index,
        ignore_unavailable: true,
        allow_no_indices: true,
        size: 0,
        query: toQuery(filter),
        aggs: { values: { terms: { field, size } } },
      }),
    );
    const buckets = (response.aggregations?.values as { buckets?: Array<{ key: string; doc_count: number }> })?.buckets;
    return Object.fromEntries((buckets ?? []).map((bucket) => [String(bucket.key), bucket.doc_count]));
  }

  /** Line counts per fixed interval, optionally split by a keyword field. */
  async histogram(
    filter: LogFilter,
    intervalSeconds: number,
    splitBy?: string,
  ): Promise<Array<{ timestamp: number; count: number; split?: Record<string, number> }>> {
    const split = splitBy ? { split: { terms: { field: splitBy, size: 10 } } } : undefined;
    const response = await this.#call(() =>
      this.#client.search({
        index: this.#index,
        ignore_unavailable: true,
        allow_no_indices: true,
        size: 0,
        query: toQuery(filter),
        aggs: {
          over_time: {
            date_histogram: {
              field: LOG_FIELDS.timestamp,
              fixed_interval: `${intervalSeconds}s`,
              min_doc_count: 0,
              extended_bounds: { min: filter.from.getTime(), max: filter.to.getTime() },
            },
            ...(split ? { aggs: split } : {}),
          },
        },
      }),
    );
    type Bucket = { key: number; doc_count: number; split?: { buckets: Array<{ key: string; doc_count: number }> } };
    const buckets = (response.aggregations?.over_time as { buckets?: Bucket[] })?.buckets ?? [];
    return buckets.map((bucket) => {
      const point: { timestamp: number; count: number; split?: Record<string, number> } = {
        timestamp: bucket.key,
        count: bucket.doc_count,
      };
      if (bucket.split) point.split = Object.fromEntries(bucket.split.buckets.map((b) => [b.key, b.doc_count]));
      return point;
    });
  }

  async close(): Promise<void> {
    await this.#client.close();
  }

  async #call<T>(request: () => Promise<T>): Promise<T> {
    return withRetries(this.#retries, async () => {
      try {
        return await request();
      } catch (error) {
        throw this.#wrap(error);
      }
    });
  }

  #wrap(error: unknown): SourceError {
    if (error instanceof errors.TimeoutError) {
      return new SourceError('elasticsearch', 'timeout', `no answer from ${this.#shown} in time`);
    }
    if (error instanceof errors.ConnectionError) {
      return new SourceError('elasticsearch', 'unreachable', `cannot reach ${this.#shown}: ${error.message}`);
    }
    if (error instanceof errors.ResponseError) {
      const reason = (error.body as { error?: { reason?: string; type?: string } } | undefined)?.error;
      const what = reason?.reason ?? reason?.type ?? error.message;
      const failure = error.statusCode === 400 ? 'bad_query' : 'bad_response';
      return new SourceError('elasticsearch', failure, `HTTP ${error.statusCode ?? '?'}: ${what}`);
    }
    return new SourceError('elasticsearch', 'bad_response', (error as Error).message);
  }
}

function toQuery(filter: LogFilter): QueryContainer {
  const must: QueryContainer[] = [
    { range: { [LOG_FIELDS.timestamp]: { gte: filter.from.toISOString(), lte: filter.to.toISOString() } } },
  ];
  if (filter.serviceType) must.push({ term: { [LOG_FIELDS.serviceType]: filter.serviceType } });
  if (filter.instance) must.push({ term: { [LOG_FIELDS.serviceInstance]: filter.instance } });
  if (filter.levels?.length) must.push({ terms: { [LOG_FIELDS.level]: filter.levels } });
  const text = filter.text?.trim();
  if (text) must.push({ match: { [LOG_FIELDS.message]: { query: text, operator: 'and' } } });
  return { bool: { filter: must } };
}

function toRecord(source: Record<string, unknown>): LogRecord {
  const service = (source.service ?? {}) as { type?: string; instance?: string };
  const log = (source.log ?? {}) as { level?: string };
  return {
    timestamp: String(source[LOG_FIELDS.timestamp] ?? ''),
    level: log.level ?? String(source[LOG_FIELDS.level] ?? 'unknown'),
    message: String(source.message ?? ''),
    serviceType: service.type ?? String(source[LOG_FIELDS.serviceType] ?? ''),
    instance: service.instance ?? String(source[LOG_FIELDS.serviceInstance] ?? ''),
  };
}
