/**
 * Elasticsearch log source. Logs follow one convention (written by the log shipper): `@timestamp`,
 * `service.type`, `service.instance`, `log.level`, `message`, in daily indices matched by a pattern.
 */
import { HttpError, JsonHttp } from '@kubestack/plugin-sdk';
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
  /** A Lucene query string as Grafana's Elasticsearch data source sends it (`*` matches everything). */
  lucene?: string;
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

interface SearchResponse {
  hits: {
    total?: number | { value: number };
    hits: Array<{ _source?: Record<string, unknown>; sort?: unknown[] }>;
  };
  aggregations?: Record<string, unknown>;
}

export class ElasticsearchSource {
  readonly #http: JsonHttp;
  readonly #searchPath: string;
  readonly #retries: number;

  constructor(options: ElasticsearchOptions) {
    const headers: Record<string, string> = {};
    if (options.apiKey) headers.authorization = `ApiKey ${options.apiKey}`;
    else if (options.username) {
      headers.authorization = `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}`;
    }
    this.#http = new JsonHttp(options.url, { timeoutMs: options.timeoutMs, headers });
    this.#searchPath = `/${encodeURIComponent(options.index).replaceAll('%2A', '*').replaceAll('%2C', ',')}/_search`;
    this.#retries = options.retries;
  }

  /**
   * Readiness probe: an empty search on the log indices, which needs only the read privilege the
   * analyzer has anyway (cluster health would need `monitor`); no retries, a short timeout.
   */
  async ping(timeoutMs: number): Promise<void> {
    try {
      await this.#http.request(this.#searchPath, {
        json: { size: 0 },
        query: { ignore_unavailable: true, allow_no_indices: true },
        timeoutMs,
      });
    } catch (error) {
      throw toSourceError(error);
    }
  }

  /** Newest first. */
  async search(filter: LogFilter, size: number): Promise<{ total: number; lines: LogRecord[] }> {
    const response = await this.#search({
      size,
      track_total_hits: true,
      sort: [{ [LOG_FIELDS.timestamp]: { order: 'desc', unmapped_type: 'date' } }],
      query: toQuery(filter),
      _source: Object.values(LOG_FIELDS),
    });
    const total = typeof response.hits.total === 'number' ? response.hits.total : (response.hits.total?.value ?? 0);
    return { total, lines: response.hits.hits.map((hit) => toRecord(hit._source ?? {})) };
  }

  /**
   * Every line matching `filter`, oldest first, handed to `onPage` a page at a time (search_after paging)
   * so that a caller can digest many lines without holding them; stops after `limit` lines. `lines` is how
   * many were handed over, `truncated` whether more matched. Lines sharing a millisecond in different
   * shards may be skipped or repeated at a page boundary (no point-in-time is opened).
   */
  async scan(
    filter: LogFilter,
    options: { limit: number; pageSize: number },
    onPage: (lines: LogRecord[]) => void,
  ): Promise<{ lines: number; truncated: boolean }> {
    let lines = 0;
    let after: unknown[] | undefined;
    for (;;) {
      const remaining = options.limit - lines;
      // One more than still wanted tells whether the limit cut anything.
      const size = Math.min(options.pageSize, remaining + 1);
      const response = await this.#search({
        size,
        track_total_hits: false,
        sort: [{ [LOG_FIELDS.timestamp]: { order: 'asc', unmapped_type: 'date' } }, { _doc: 'asc' }],
        query: toQuery(filter),
        _source: Object.values(LOG_FIELDS),
        ...(after ? { search_after: after } : {}),
      });
      const hits = response.hits.hits;
      const page = hits.slice(0, remaining);
      if (page.length > 0) onPage(page.map((hit) => toRecord(hit._source ?? {})));
      lines += page.length;
      if (hits.length > remaining) return { lines, truncated: true };
      if (hits.length < size) return { lines, truncated: false };
      after = hits.at(-1)?.sort;
      if (!after) {
        throw new SourceError('elasticsearch', 'bad_response', 'a sorted search returned hits without sort values');
      }
    }
  }

  /** Counts per value of a keyword field (e.g. log.level), most frequent first. */
  async terms(filter: LogFilter, field: string, size = 20): Promise<Record<string, number>> {
    const response = await this.#search({
      size: 0,
      query: toQuery(filter),
      aggs: { values: { terms: { field, size } } },
    });
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
    const response = await this.#search({
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
    });
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

  async #search(body: Record<string, unknown>): Promise<SearchResponse> {
    return this.#call(() =>
      this.#http.request<SearchResponse>(this.#searchPath, {
        json: body,
        // A pattern matching no index yet (no logs shipped) is an empty result, not an error.
        query: { ignore_unavailable: true, allow_no_indices: true },
      }),
    );
  }

  async #call<T>(request: () => Promise<T>): Promise<T> {
    return withRetries(this.#retries, async () => {
      try {
        return await request();
      } catch (error) {
        throw toSourceError(error);
      }
    });
  }
}

function toSourceError(error: unknown): SourceError {
  if (!(error instanceof HttpError)) return new SourceError('elasticsearch', 'bad_response', (error as Error).message);
  if (error.failure === 'timeout' || error.failure === 'unreachable') {
    return new SourceError('elasticsearch', error.failure, error.message);
  }
  const reason = (error.body as { error?: { reason?: string; type?: string } } | undefined)?.error;
  const what = reason?.reason ?? reason?.type ?? error.message;
  return new SourceError(
    'elasticsearch',
    error.status === 400 ? 'bad_query' : 'bad_response',
    `HTTP ${error.status ?? '?'}: ${what}`,
  );
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
  const lucene = filter.lucene?.trim();
  if (lucene && lucene !== '*') {
    must.push({ query_string: { query: lucene, default_field: LOG_FIELDS.message, analyze_wildcard: true } });
  }
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
