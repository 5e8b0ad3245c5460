/**
 * Prometheus HTTP API client. Range results are decoded into typed arrays (one allocation per
 * series, none per point), which is what detection and summaries consume.
 */
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
  /** Base URL without credentials: safe to show in errors. */
  readonly #base: string;
  readonly #headers: Record<string, string> = {};
  readonly #options: PrometheusOptions;

  constructor(options: PrometheusOptions) {
    this.#options = options;
    const url = new URL(options.url);
    if (url.username) {
      const user = decodeURIComponent(url.username);
      const password = decodeURIComponent(url.password);
      this.#headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
      url.username = '';
      url.password = '';
    }
    this.#base = url.href.replace(/\/+$/, '');
  }

  async instant(query: string, time?: Date): Promise<InstantSample[]> {
    const params: Record<string, string> = { query };
    if (time) params.time = seconds(time);
    const data = (await this.#call('/api/v1/query', params)) as { resultType: string; result: unknown[] };
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
    const data = (await this.#call('/api/v1/query_range', {
      query,
      start: seconds(from),
      end: seconds(to),
      step: String(stepSeconds),
    })) as { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> };
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

  /** Cheap reachability probe for /readyz. */
  async ping(): Promise<void> {
    const response = await this.#fetch('/-/ready', { method: 'GET' });
    await response.body?.cancel();
    if (!response.ok)
      throw new SourceError('prometheus', 'unreachable', `${this.#base} is not ready (HTTP ${response.status})`);
  }

  /** POST by default: long PromQL does not fit in a URL. */
  async #call(
    path: string,
    params: Record<string, string> | URLSearchParams,
    method: 'GET' | 'POST' = 'POST',
  ): Promise<unknown> {
    const form = params instanceof URLSearchParams ? params : new URLSearchParams(params);
    return withRetries(this.#options.retries, async () => {
      const response =
        method === 'GET'
          ? await this.#fetch(`${path}?${form}`, { method })
          : await this.#fetch(path, {
              method,
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: form,
            });
      let envelope: ApiEnvelope;
      try {
        envelope = (await response.json()) as ApiEnvelope;
      } catch {
        throw new SourceError('prometheus', 'bad_response', `HTTP ${response.status} from ${path} was not JSON`);
      }
      if (envelope.status === 'success') return envelope.data;
      // 400 and 422 are the query's fault; anything else means Prometheus is not answering properly.
      const failure = response.status === 400 || response.status === 422 ? 'bad_query' : 'bad_response';
      throw new SourceError(
        'prometheus',
        failure,
        `${envelope.errorType ?? 'error'}: ${envelope.error ?? response.status}`,
      );
    });
  }

  async #fetch(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(`${this.#base}${path}`, {
        ...init,
        headers: { ...this.#headers, ...(init.headers as Record<string, string> | undefined) },
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new SourceError(
          'prometheus',
          'timeout',
          `no answer from ${this.#base} within ${this.#options.timeoutMs} ms`,
        );
      }
      throw new SourceError('prometheus', 'unreachable', `cannot reach ${this.#base}: ${causeOf(error)}`);
    }
  }
}

function seconds(date: Date): string {
  return (date.getTime() / 1000).toFixed(3);
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
