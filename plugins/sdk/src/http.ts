/**
 * JSON over HTTP with a timeout, for the analyzer's sources and plugin connectors alike. Credentials
 * in the URL become an Authorization header and never appear in messages; failures say what kind
 * they are so callers can tell "unreachable" from "answered with an error".
 */

export type HttpFailure = 'unreachable' | 'timeout' | 'status' | 'bad_body';

export class HttpError extends Error {
  override name = 'HttpError';
  readonly failure: HttpFailure;
  /** The HTTP status for `status` and `bad_body` failures. */
  readonly status: number | undefined;
  /** The parsed error body, when the server sent JSON. */
  readonly body: unknown;

  constructor(failure: HttpFailure, message: string, status?: number, body?: unknown) {
    super(message);
    this.failure = failure;
    this.status = status;
    this.body = body;
  }
}

export interface JsonRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';
  query?: Record<string, string | number | boolean | undefined> | URLSearchParams;
  /** Sent as application/json. */
  json?: unknown;
  /** Sent as application/x-www-form-urlencoded. */
  form?: URLSearchParams;
  /** Overrides the client's timeout for this request (e.g. a short readiness probe). */
  timeoutMs?: number;
}

export class JsonHttp {
  /** The base URL without credentials: safe to show. */
  readonly base: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;

  constructor(url: string, options: { timeoutMs: number; headers?: Record<string, string> }) {
    const parsed = new URL(url);
    this.#headers = { accept: 'application/json', ...options.headers };
    if (parsed.username && this.#headers.authorization === undefined) {
      const user = decodeURIComponent(parsed.username);
      const password = decodeURIComponent(parsed.password);
      this.#headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    }
    parsed.username = '';
    parsed.password = '';
    this.base = parsed.href.replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs;
  }

  /** The parsed JSON answer of a 2xx response; HttpError otherwise. */
  async request<T>(path: string, request: JsonRequest = {}): Promise<T> {
    const response = await this.#send(path, request);
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      if (response.ok)
        throw new HttpError('bad_body', `${this.base}${path}: HTTP ${response.status} was not JSON`, response.status);
      body = undefined;
    }
    if (!response.ok) {
      throw new HttpError('status', `${this.base}${path}: HTTP ${response.status}`, response.status, body);
    }
    return body as T;
  }

  async #send(path: string, request: JsonRequest): Promise<Response> {
    const headers = { ...this.#headers };
    let body: string | URLSearchParams | undefined;
    if (request.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.json);
    } else if (request.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = request.form;
    }
    const query = request.query instanceof URLSearchParams ? request.query : toSearchParams(request.query);
    const url = `${this.base}${path}${query.size > 0 ? `?${query}` : ''}`;
    const timeoutMs = request.timeoutMs ?? this.#timeoutMs;
    try {
      return await fetch(url, {
        method: request.method ?? (body === undefined ? 'GET' : 'POST'),
        headers,
        body: body ?? null,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new HttpError('timeout', `no answer from ${this.base} within ${timeoutMs} ms`);
      }
      throw new HttpError('unreachable', `cannot reach ${this.base}: ${causeOf(error)}`);
    }
  }
}

function toSearchParams(query: JsonRequest['query']): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) params.set(key, String(value));
  return params;
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
