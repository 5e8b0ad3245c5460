/**
 * Prometheus HTTP API client. Range results are decoded into typed arrays (one allocation per
 * series, none per point), which is what detection and summaries consume.
 */
import { HttpError, JsonHttp } from '@kubestack/plugin-sdk';
import { SourceError, withRetries } from './errors.ts';

export interface InstantSample {
  labels: Record<string, string>;
  value: number;
}

export interface RangeSeries {
  labels: Record<string, string>;
  /** Unix seconds. */
  timestamps: Float64Array;
  values: Float64Array;
}

export interface PrometheusOptions {
  url: string;
  timeoutMs: number;
  retries: number;
}

interface ApiEnvelope {
  status: 'success' | 'error';
  data?: unknown;
  errorType?: string;
  error?: string;
}

export class PrometheusSource {
  readonly #http: JsonHttp;
  readonly #retries: number;

  constructor(options: PrometheusOptions) {
    this.#http = new JsonHttp(options.url, { timeoutMs: options.timeoutMs });
    this.#retries = options.retries;
  }

  async instant(query: string, time?: Date): Promise<InstantSample[]> {
    const params: Record<string, string> = { query };
    if (time) params.time = seconds(time);
    const data = (await this.#call('/api/v1/query', new URLSearchParams(params))) as {
      resultType: string;
      result: unknown[];
    };
    if (data.resultType === 'scalar') {
      const [, value] = data.result as unknown as [number, string];
      return [{ labels: {}, value: Number(value) }];
    }
    if (data.resultType !== 'vector')
      throw new SourceError('prometheus', 'bad_response', `unexpected ${data.resultType}`);
    return (data.result as Array<{ metric: Record<string, string>; value: [number, string] }>).map((sample) => ({
      labels: sample.metric,
      value: Number(sample.value[1]),
    }));
  }

  async range(query: string, from: Date, to: Date, stepSeconds: number): Promise<RangeSeries[]> {
    const params = new URLSearchParams({ query, start: seconds(from), end: seconds(to), step: String(stepSeconds) });
    const data = (await this.#call('/api/v1/query_range', params)) as {
      result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }>;
    };
    return data.result.map((series) => {
      const count = series.values.length;
      const timestamps = new Float64Array(count);
      const values = new Float64Array(count);
      for (let i = 0; i < count; i += 1) {
        const point = series.values[i] as [number, string];
        timestamps[i] = point[0];
        values[i] = Number(point[1]);
      }
      return { labels: series.metric, timestamps, values };
    });
  }

  async series(match: string[], from?: Date, to?: Date): Promise<Array<Record<string, string>>> {
    const params = new URLSearchParams();
    for (const selector of match) params.append('match[]', selector);
    if (from) params.set('start', seconds(from));
    if (to) params.set('end', seconds(to));
    return (await this.#call('/api/v1/series', params)) as Array<Record<string, string>>;
  }

  async labelValues(label: string, match: string[] = []): Promise<string[]> {
    const params = new URLSearchParams();
    for (const selector of match) params.append('match[]', selector);
    // This endpoint answers GET only.
    return (await this.#call(`/api/v1/label/${encodeURIComponent(label)}/values`, params, 'GET')) as string[];
  }

  /**
   * Readiness probe: one cheap query through the API the analyzer uses (so it also works on
   * Prometheus-compatible servers without /-/ready), no retries, a short timeout.
   */
  async ping(timeoutMs: number): Promise<void> {
    try {
      await this.#http.request<ApiEnvelope>('/api/v1/query', { query: { query: '1' }, timeoutMs });
    } catch (error) {
      throw toSourceError(error);
    }
  }

  /** POST by default: long PromQL does not fit in a URL. */
  async #call(path: string, params: URLSearchParams, method: 'GET' | 'POST' = 'POST'): Promise<unknown> {
    return withRetries(this.#retries, async () => {
      try {
        const envelope = await this.#http.request<ApiEnvelope>(
          path,
          method === 'GET' ? { query: params } : { form: params },
        );
        return envelope.data;
      } catch (error) {
        throw toSourceError(error);
      }
    });
  }
}

function toSourceError(error: unknown): SourceError {
  if (!(error instanceof HttpError)) return new SourceError('prometheus', 'bad_response', (error as Error).message);
  if (error.failure === 'timeout') return new SourceError('prometheus', 'timeout', error.message);
  if (error.failure === 'unreachable') return new SourceError('prometheus', 'unreachable', error.message);
  const envelope = error.body as ApiEnvelope | undefined;
  if (envelope?.status === 'error') {
    // 400 and 422 are the query's fault; anything else means Prometheus is not answering properly.
    const failure = error.status === 400 || error.status === 422 ? 'bad_query' : 'bad_response';
    return new SourceError(
      'prometheus',
      failure,
      `${envelope.errorType ?? 'error'}: ${envelope.error ?? error.status}`,
    );
  }
  return new SourceError('prometheus', 'bad_response', error.message);
}

function seconds(date: Date): string {
  return (date.getTime() / 1000).toFixed(3);
}
